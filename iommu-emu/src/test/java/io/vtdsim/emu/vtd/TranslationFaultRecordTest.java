package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.RootEntry;
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
  private static final int SID = FaultCases.SID;
  private static final long IOVA = FaultCases.IOVA;
  private static final long FEADDR = FaultCases.FEADDR;
  private static final int FEDATA = FaultCases.FEDATA;

  @ParameterizedTest
  @EnumSource(value = FaultReason.class, mode = EnumSource.Mode.MATCH_NONE,
      names = {"PASID_.*", "FIRST_STAGE_.*", "SCALABLE_.*", "ROOT_TABLE_MODE_.*"})
  void eachFaultReasonLandsInFrcd0AndRaisesTheFaultEvent(FaultReason reason) {
    try (VtdTestBed bed = VtdTestBed.qemu72()) {
      FaultCases.Setup s = new FaultCases.Setup(bed);
      FaultCases.Case c = FaultCases.caseFor(reason);
      c.setup().accept(s);
      FaultCases.enableTranslation(bed, s.rootTable);

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
      FaultCases.Setup s = new FaultCases.Setup(bed);
      FaultCases.Case c = FaultCases.caseFor(reason);
      c.setup().accept(s);
      // set FPD on whatever context entry the case left (if the context table is reachable)
      long[] q = new long[1];
      long re = RootEntry.address(s.rootTable, 0);
      if (bed.memory.tryRead64(re, q) && (q[0] & 1) != 0) {
        long ce = ContextEntry.address(RootEntry.decode(q[0]).contextTablePointer(), SID & 0xFF);
        if (bed.memory.isRam(ce, 16)) bed.memory.write64(ce, bed.memory.read64(ce) | 2);
      }
      FaultCases.enableTranslation(bed, s.rootTable);
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
      FaultCases.Setup s = new FaultCases.Setup(bed);
      s.mappedContext();
      s.tables.map(s.slpt, 4, IOVA, 0x20_0000, 4096, true, true);
      FaultCases.enableTranslation(bed, s.rootTable);

      assertThat(bed.unit.translate(SID, IOVA, false).address()).as("untranslated read").isEqualTo(0x20_0000L);
      TranslationResult r = bed.unit.translate(SID, IOVA + 0x10, false, RequestType.TRANSLATION_REQUEST);

      assertThat(r.fault()).isEqualTo(FaultReason.TRANSLATION_TYPE_BLOCKED);
      FaultRecord fr = FaultRecord.decode(bed.r64(0x220), bed.r64(0x228));
      assertThat(fr).isEqualTo(new FaultRecord(IOVA, SID, 0xD, true, true));
      assertThat(bed.msisSnapshot()).containsExactly(new VtdTestBed.Msi(FEADDR, FEDATA));
    }
  }
}
