package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ATS requests through the unit: nothing passes while translation is off (VT-d spec 4.2.1: with
 * TES=0 "memory requests with non-zero AT field" are Unsupported Request, not a remapping fault), and
 * the fault records of blocked ATS requests (reason 0xD, qualified) with FRCD.AT on a unit that
 * reports ECAP.DT.
 */
class AtsRequestUnitTest {
  private static final int SID = 0x0020; // 00:04.0
  private static final long POOL = 0x0100_0000L;
  private static final long IOVA = 0x0080_3000L;
  private static final int FRCD0 = 0x220; // CAP.FRO = 0x22 in the qemu-7.2 preset

  private static VtdTestBed deviceTlbUnit() {
    VtdConfig c = VtdConfig.preset("qemu-7.2", 48);
    return new VtdTestBed(c.withEcap(c.ecap().withDt(true)));
  }

  private static long enable(VtdTestBed bed, TableBuilder tables) {
    bed.w32(Registers.FECTL, 0);
    bed.w64(Registers.RTADDR, tables.rootTable());
    bed.command(GlobalCommand.SRTP, true);
    bed.command(GlobalCommand.TE, true);
    return tables.rootTable();
  }

  private static FaultRecord frcd0(VtdTestBed bed) {
    return FaultRecord.decode(bed.r64(FRCD0), bed.r64(FRCD0 + 8));
  }

  @Test
  void withTranslationOffAtsRequestsAreUnsupportedAndNothingIsRecorded() {
    try (VtdTestBed bed = deviceTlbUnit()) {
      assertThat(bed.unit.translationEnabled()).isFalse();

      for (RequestType type : List.of(RequestType.TRANSLATION_REQUEST, RequestType.TRANSLATED)) {
        TranslationResult r = bed.unit.translate(SID, IOVA, false, type);
        assertThat(r.ok()).as(type.name()).isFalse();
        assertThat(r.unsupportedRequest()).isTrue();
        assertThat(r.fault()).isNull();
      }
      assertThat(bed.unit.translate(SID, IOVA, true, RequestType.UNTRANSLATED)).isEqualTo(TranslationResult.identity(IOVA));
      assertThat(bed.fsts() & FaultStatus.PPF).isZero();
      assertThat(bed.msisSnapshot()).isEmpty();
      assertThat(bed.events(FaultRecorder.EV_FAULT)).isEmpty();
      assertThat(bed.events(VtdUnit.EV_TRANSLATE).get(0).attrs())
          .containsEntry("result", "unsupported-request").containsEntry("type", "TRANSLATION_REQUEST");
    }
  }

  @Test
  void aBlockedTranslationRequestIsRecordedWithAt01AsARead() {
    try (VtdTestBed bed = deviceTlbUnit()) {
      TableBuilder tables = new TableBuilder(bed.memory, POOL);
      tables.multiLevelContext(SID, 3, 2);
      enable(bed, tables);

      TranslationResult r = bed.unit.translate(SID, IOVA + 0x40, true, RequestType.TRANSLATION_REQUEST);

      assertThat(r.fault().code()).isEqualTo(0xD);
      assertThat(frcd0(bed)).isEqualTo(new FaultRecord(IOVA, SID, 0xD, true, true, 1));
      Event fault = bed.events(FaultRecorder.EV_FAULT).get(0);
      assertThat(fault.attrs()).containsEntry("type", "TRANSLATION_REQUEST").containsEntry("recorded", true);
    }
  }

  @Test
  void aBlockedTranslatedWriteIsRecordedWithAt10AsAWrite() {
    try (VtdTestBed bed = deviceTlbUnit()) {
      TableBuilder tables = new TableBuilder(bed.memory, POOL);
      tables.passThroughContext(SID, 3, 2);
      enable(bed, tables);

      TranslationResult r = bed.unit.translate(SID, IOVA, true, RequestType.TRANSLATED);

      assertThat(r.fault().code()).isEqualTo(0xD);
      assertThat(frcd0(bed)).isEqualTo(new FaultRecord(IOVA, SID, 0xD, false, true, 2));
    }
  }

  @Test
  void fpdSuppresses0xD() {
    try (VtdTestBed bed = deviceTlbUnit()) {
      TableBuilder tables = new TableBuilder(bed.memory, POOL);
      tables.context(SID, new ContextEntry(true, true, TranslationType.MULTI_LEVEL, tables.allocPage(), 2, 3));
      enable(bed, tables);

      TranslationResult r = bed.unit.translate(SID, IOVA, false, RequestType.TRANSLATION_REQUEST);

      assertThat(r.fault().code()).isEqualTo(0xD);
      assertThat(r.faultSuppressed()).isTrue();
      assertThat(bed.fsts() & FaultStatus.PPF).isZero();
      assertThat(frcd0(bed).fault()).isFalse();
      assertThat(bed.msisSnapshot()).isEmpty();
      assertThat(bed.events(FaultRecorder.EV_FAULT).get(0).attrs())
          .containsEntry("outcome", "SUPPRESSED").containsEntry("recorded", false);
    }
  }

  @Test
  void anAllowedTranslationRequestRecordsNothing() {
    try (VtdTestBed bed = deviceTlbUnit()) {
      TableBuilder tables = new TableBuilder(bed.memory, POOL);
      long top = tables.allocPage();
      tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, 3));
      enable(bed, tables);

      // nothing mapped: the completion says R=W=0, which is the device-TLB's fault, not the unit's
      TranslationResult r = bed.unit.translate(SID, IOVA, false, RequestType.TRANSLATION_REQUEST);

      assertThat(r.ok()).isTrue();
      assertThat(r.read() || r.write()).isFalse();
      assertThat(bed.fsts() & FaultStatus.PPF).isZero();
      assertThat(bed.events(FaultRecorder.EV_FAULT)).isEmpty();
    }
  }
}
