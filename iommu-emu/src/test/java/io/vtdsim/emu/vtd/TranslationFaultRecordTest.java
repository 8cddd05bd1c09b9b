package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * End to end through the unit: a guest-made table state, translation enabled over MMIO, one DMA
 * request, and the fault record the guest then reads from FRCD0 (VT-d spec 7.1.3 reasons, 11.4.14
 * record layout), with the fault event MSI sent to FEADDR/FEDATA. Reason 0xD needs an ATS request: a
 * translation request from a device whose context entry says TT=00b, which blocks translation
 * requests and translated requests (spec 9.3 TT; Table 30 condition LCT.5).
 */
class TranslationFaultRecordTest {
  private static final int SID = 0x0018; // 00:03.0
  private static final long POOL = 0x0100_0000L;
  private static final long IOVA = 0x4000_1000L;
  private static final long FEADDR = 0xFEE0_1004L;
  private static final int FEDATA = 0x21;

  /** Sets up a state that makes a request of {@code type} (a read or a write) for IOVA fault with {@code reason}. */
  private record Case(boolean write, RequestType type, Consumer<Setup> setup) {
    Case(boolean write, Consumer<Setup> setup) {
      this(write, RequestType.UNTRANSLATED, setup);
    }
  }

  private static final class Setup {
    final VtdTestBed bed;
    final TableBuilder tables;
    long rootTable;
    long slpt;

    Setup(VtdTestBed bed) {
      this.bed = bed;
      this.tables = new TableBuilder(bed.memory, POOL);
      this.rootTable = tables.rootTable();
    }

    void mappedContext() {
      slpt = tables.multiLevelContext(SID, 5, 2);
    }
  }

  private static Case caseFor(FaultReason reason) {
    return switch (reason) {
      case ROOT_NOT_PRESENT -> new Case(false, s -> {});
      case CONTEXT_NOT_PRESENT -> new Case(false, s -> s.tables.contextTable(0));
      case CONTEXT_INVALID -> new Case(false, s -> s.tables.contextRaw(SID,
          new ContextEntry(true, false, TranslationType.RESERVED, s.tables.allocPage(), 2, 5).lo(), 0x502));
      case ADDRESS_BEYOND_MGAW -> new Case(false, s -> {
        s.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL, s.tables.allocPage(), 1, 5));
      });
      case WRITE_DENIED -> new Case(true, s -> {
        s.mappedContext();
        s.tables.map(s.slpt, 4, IOVA, 0x20_0000, 4096, true, false);
      });
      case READ_DENIED -> new Case(false, s -> s.mappedContext());
      case PAGING_ENTRY_UNREADABLE -> new Case(false, s -> {
        s.mappedContext();
        s.tables.map(s.slpt, 4, IOVA, 0x20_0000, 4096, true, true);
        // the level-3 entry points at a table outside the 64 MiB of RAM
        s.tables.setEntry(s.slpt, 4, IOVA, 3, 0x1_0000_0000L | SecondLevelPte.R | SecondLevelPte.W);
      });
      case ROOT_TABLE_UNREADABLE -> new Case(false, s -> s.rootTable = 0x8000_0000L);
      case CONTEXT_TABLE_UNREADABLE -> new Case(false, s -> s.bed.memory.write64(
          RootEntry.address(s.rootTable, 0), new RootEntry(true, 0x7000_0000L).lo()));
      case ROOT_RESERVED -> new Case(false, s -> {
        s.tables.contextTable(0);
        long re = RootEntry.address(s.rootTable, 0);
        s.bed.memory.write64(re, s.bed.memory.read64(re) | 1 << 5);
      });
      case CONTEXT_RESERVED -> new Case(false, s -> s.tables.contextRaw(SID,
          s.tables.allocPage() | 1 | 1 << 6, 0x502));
      case PAGING_ENTRY_RESERVED -> new Case(false, s -> {
        s.mappedContext();
        s.tables.map(s.slpt, 4, IOVA, 0x20_0000, 4096, true, true);
        s.tables.setEntry(s.slpt, 4, IOVA, 1, 0x20_0000L | SecondLevelPte.R | SecondLevelPte.SNP); // SNP without ECAP.SC
      });
      // a present TT=00b entry mapping IOVA: an untranslated read would succeed
      case TRANSLATION_TYPE_BLOCKED -> new Case(false, RequestType.TRANSLATION_REQUEST, s -> {
        s.mappedContext();
        s.tables.map(s.slpt, 4, IOVA, 0x20_0000, 4096, true, true);
      });
      case INTERRUPT_ADDRESS -> new Case(false, s -> {
        s.mappedContext();
        s.tables.map(s.slpt, 4, IOVA, 0xFEE0_0000L, 4096, true, true);
      });
      // scalable-mode reasons: ScalableFaultRecordTest
      default -> throw new IllegalArgumentException("not a legacy-mode fault reason: " + reason);
    };
  }

  @ParameterizedTest
  @EnumSource(value = FaultReason.class, mode = EnumSource.Mode.MATCH_NONE,
      names = {"PASID_.*", "FIRST_STAGE_.*", "SCALABLE_.*", "ROOT_TABLE_MODE_.*"})
  void eachFaultReasonLandsInFrcd0AndRaisesTheFaultEvent(FaultReason reason) {
    try (VtdTestBed bed = VtdTestBed.qemu72()) {
      Setup s = new Setup(bed);
      Case c = caseFor(reason);
      c.setup().accept(s);
      enableTranslation(bed, s.rootTable);

      long iova = reason == FaultReason.ADDRESS_BEYOND_MGAW ? 1L << 40 : IOVA; // 3-level context: 39 bits
      TranslationResult r = bed.unit.translate(SID, iova, c.write(), c.type());

      assertThat(r.fault()).isEqualTo(reason);
      assertThat(r.ok()).isFalse();
      int fsts = bed.fsts();
      assertThat(fsts & FaultStatus.PPF).as("PPF").isNotZero();
      assertThat(FaultStatus.fri(fsts)).isZero();
      FaultRecord fr = FaultRecord.decode(bed.r64(0x220), bed.r64(0x228));
      assertThat(fr.fault()).isTrue();
      assertThat(fr.reason()).isEqualTo(reason.code());
      assertThat(fr.sid()).isEqualTo(SID);
      // a translation request is a memory read (PCIe ATS): T=1
      assertThat(fr.read()).isEqualTo(!c.write());
      assertThat(fr.pageAddress()).isEqualTo(iova & ~0xFFFL);
      // qemu-7.2 reports ECAP.DT=0, so FRCD.AT is RsvdZ even for the translation request
      assertThat(bed.config.ecap().dt()).isFalse();
      assertThat(fr.addressType()).isZero();
      assertThat(bed.msisSnapshot()).containsExactly(new VtdTestBed.Msi(FEADDR, FEDATA));
    }
  }

  @ParameterizedTest
  @EnumSource(value = FaultReason.class, mode = EnumSource.Mode.MATCH_NONE,
      names = {"PASID_.*", "FIRST_STAGE_.*", "SCALABLE_.*", "ROOT_TABLE_MODE_.*"})
  void fpdSuppressesExactlyTheQualifiedReasons(FaultReason reason) {
    try (VtdTestBed bed = VtdTestBed.qemu72()) {
      Setup s = new Setup(bed);
      Case c = caseFor(reason);
      c.setup().accept(s);
      // set FPD on whatever context entry the case left (if the context table is reachable)
      long[] q = new long[1];
      long re = RootEntry.address(s.rootTable, 0);
      if (bed.memory.tryRead64(re, q) && (q[0] & 1) != 0) {
        long ce = ContextEntry.address(RootEntry.decode(q[0]).contextTablePointer(), SID & 0xFF);
        if (bed.memory.isRam(ce, 16)) bed.memory.write64(ce, bed.memory.read64(ce) | 2);
      }
      enableTranslation(bed, s.rootTable);
      long iova = reason == FaultReason.ADDRESS_BEYOND_MGAW ? 1L << 40 : IOVA;
      TranslationResult r = bed.unit.translate(SID, iova, c.write(), c.type());

      assertThat(r.fault()).isEqualTo(reason);
      // spec 7.1.3: FPD suppresses the qualified reasons only (for context-not-present, the FPD of
      // the not-present entry is honoured, as QEMU)
      boolean recorded = (bed.fsts() & FaultStatus.PPF) != 0;
      assertThat(recorded).as("recorded").isEqualTo(!reason.qualified());
    }
  }

  @Test
  void aTranslationRequestOnATt00ContextIsRecordedAsReason0xD() {
    try (VtdTestBed bed = VtdTestBed.qemu72()) {
      Setup s = new Setup(bed);
      s.mappedContext();
      s.tables.map(s.slpt, 4, IOVA, 0x20_0000, 4096, true, true);
      enableTranslation(bed, s.rootTable);

      assertThat(bed.unit.translate(SID, IOVA, false).address()).as("untranslated read").isEqualTo(0x20_0000L);
      TranslationResult r = bed.unit.translate(SID, IOVA + 0x10, false, RequestType.TRANSLATION_REQUEST);

      assertThat(r.fault()).isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
      FaultRecord fr = FaultRecord.decode(bed.r64(0x220), bed.r64(0x228));
      assertThat(fr).isEqualTo(new FaultRecord(IOVA, SID, 0xD, true, true));
      assertThat(bed.msisSnapshot()).containsExactly(new VtdTestBed.Msi(FEADDR, FEDATA));
    }
  }

  private static void enableTranslation(VtdTestBed bed, long rootTable) {
    bed.w32(Registers.FEDATA, FEDATA);
    bed.w32(Registers.FEADDR, (int) FEADDR);
    bed.w32(Registers.FECTL, 0);
    bed.w64(Registers.RTADDR, rootTable);
    bed.command(GlobalCommand.SRTP, true);
    bed.command(GlobalCommand.TE, true);
    assertThat(bed.r32(Registers.GSTS) & (GlobalCommand.TE | GlobalCommand.SRTP))
        .isEqualTo(GlobalCommand.TE | GlobalCommand.SRTP);
  }
}
