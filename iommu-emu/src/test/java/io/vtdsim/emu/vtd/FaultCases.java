package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.function.Consumer;

/**
 * Guest-made table states that make one DMA request fault with each reason (VT-d spec 7.1.3), and
 * the MMIO sequence that turns translation on with the fault event unmasked: shared by the fault
 * record tests.
 */
final class FaultCases {
  private FaultCases() {}

  static final int SID = 0x0018; // 00:03.0
  static final long POOL = 0x0100_0000L;
  static final long IOVA = 0x4000_1000L;
  static final long FEADDR = 0xFEE0_1004L;
  static final int FEDATA = 0x21;

  /** Sets up a state that makes a request of {@code type} (a read or a write) for IOVA fault with {@code reason}. */
  record Case(boolean write, RequestType type, Consumer<Setup> setup) {
    Case(boolean write, Consumer<Setup> setup) {
      this(write, RequestType.UNTRANSLATED, setup);
    }
  }

  static final class Setup {
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

  static Case caseFor(FaultReason reason) {
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
      // scalable-mode reasons: ScalableModeUnitTest, ScalableModeQemuFactsTest
      default -> throw new IllegalArgumentException("not a legacy-mode fault reason: " + reason);
    };
  }

  static void enableTranslation(VtdTestBed bed, long rootTable) {
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
