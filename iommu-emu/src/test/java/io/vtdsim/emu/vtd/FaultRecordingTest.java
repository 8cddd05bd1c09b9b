package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.testing.TableBuilder;
import org.junit.jupiter.api.Test;

/**
 * Primary fault logging (VT-d spec 7.1.1, 11.4.14) with QEMU's rules (vtd_report_frcd_fault,
 * vtd_generate_fault_event in hw/i386/intel_iommu.c): records at CAP.FRO×16, PPF/PFO/FRI, compression and the
 * fault event MSI honouring FECTL.IM/IP.
 */
class FaultRecordingTest {
  static final int FRCD0 = 0x220; // CAP.FRO 0x22 × 16
  static final int SID_A = 0x0100; // 01:00.0
  static final int SID_B = 0x0208; // 02:01.0

  private static VtdTestBed withFaultEventTarget(VtdConfig config) {
    VtdTestBed bed = new VtdTestBed(config);
    bed.w32(Registers.FEDATA, 0x41);
    bed.w32(Registers.FEADDR, 0xFEE0_0000);
    return bed;
  }

  @Test
  void aFaultFillsTheFirstRecordAndSetsPpfWithFriZero() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.qemu72());
    assertThat(bed.unit.recordFault(SID_A, 0x1234_5678L, FaultReason.WRITE_DENIED, false))
        .isEqualTo(FaultRecorder.Outcome.RECORDED);
    assertThat(bed.r64(FRCD0)).isEqualTo(0x1234_5000L); // fault info: the page address
    long hi = bed.r64(FRCD0 + 8);
    // spec 11.4.14: SID 15:0, FR 39:32, T 62 (0 = write), F 63
    assertThat(hi).isEqualTo((1L << 63) | (0x5L << 32) | SID_A);
    assertThat(bed.r32(FRCD0 + 12) & 0xFFFF_FFFFL).isEqualTo((hi >>> 32));
    assertThat(bed.fsts()).isEqualTo(FaultStatus.PPF); // FRI = 0
    assertThat(bed.events(FaultRecorder.EV_FAULT).get(0).attrs())
        .containsEntry("sid", SID_A).containsEntry("reason", 5).containsEntry("recorded", true)
        .containsEntry("read", false);
  }

  @Test
  void readFaultsSetT() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.unit.recordFault(SID_A, 0x7000, FaultReason.READ_DENIED, true);
    FaultRecord r = FaultRecord.decode(bed.r64(FRCD0), bed.r64(FRCD0 + 8));
    assertThat(r).isEqualTo(new FaultRecord(0x7000, SID_A, 6, true, true));
  }

  @Test
  void maskedFaultEventStaysPendingUntilImIsCleared() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.qemu72()); // IM=1 at reset
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.CONTEXT_NOT_PRESENT, true);
    assertThat(bed.msis).isEmpty();
    assertThat(bed.r32(Registers.FECTL)).isEqualTo(FaultStatus.IM | FaultStatus.IP);
    bed.w32(Registers.FECTL, 0); // clearing IM with IP set delivers now (as QEMU)
    assertThat(bed.msis).containsExactly(new VtdTestBed.Msi(0xFEE0_0000L, 0x41));
    assertThat(bed.r32(Registers.FECTL)).isZero();
    assertThat(bed.events(VtdUnit.EV_FAULT_EVENT).get(0).attrs())
        .containsEntry("address", 0xFEE0_0000L).containsEntry("data", 0x41);
  }

  @Test
  void unmaskedFaultEventIsDeliveredAtOnce() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.qemu72());
    bed.w32(Registers.FECTL, 0);
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.CONTEXT_NOT_PRESENT, true);
    assertThat(bed.msis).containsExactly(new VtdTestBed.Msi(0xFEE0_0000L, 0x41));
    assertThat(bed.r32(Registers.FECTL) & FaultStatus.IP).isZero();
  }

  @Test
  void aSecondFaultFromTheSameSourceIsCompressed() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    assertThat(bed.unit.recordFault(SID_A, 0x9000, FaultReason.WRITE_DENIED, false))
        .isEqualTo(FaultRecorder.Outcome.COMPRESSED);
    assertThat(bed.r64(FRCD0)).isEqualTo(0x1000);
    assertThat(bed.fsts()).isEqualTo(FaultStatus.PPF); // no PFO for a compressed fault
    assertThat(bed.events(FaultRecorder.EV_FAULT).get(1).attrs()).containsEntry("recorded", false);
  }

  @Test
  void aFaultWhileTheOnlyRecordIsPendingSetsPfoAndLaterFaultsAreDropped() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.qemu72()); // NFR = 0: one record
    bed.w32(Registers.FECTL, 0);
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    assertThat(bed.unit.recordFault(SID_B, 0x2000, FaultReason.READ_DENIED, true))
        .isEqualTo(FaultRecorder.Outcome.OVERFLOW);
    assertThat(bed.fsts()).isEqualTo(FaultStatus.PPF | FaultStatus.PFO);
    // clear F: PPF goes, PFO stays, and a new fault is still dropped
    bed.w64(FRCD0 + 8, FaultRecord.F);
    assertThat(bed.fsts()).isEqualTo(FaultStatus.PFO);
    assertThat(bed.unit.recordFault(SID_B, 0x3000, FaultReason.READ_DENIED, true))
        .isEqualTo(FaultRecorder.Outcome.OVERFLOW_PENDING);
    // clear PFO (W1C): recording resumes in the (wrapped) first record, with a new interrupt
    bed.w32(Registers.FSTS, FaultStatus.PFO);
    assertThat(bed.fsts()).isZero();
    assertThat(bed.unit.recordFault(SID_B, 0x4000, FaultReason.READ_DENIED, true))
        .isEqualTo(FaultRecorder.Outcome.RECORDED);
    assertThat(bed.r64(FRCD0)).isEqualTo(0x4000);
    assertThat(bed.msis).hasSize(2);
  }

  @Test
  void clearingFByWriteOneToClearRecomputesPpf() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    bed.w32(FRCD0 + 12, 0); // writing 0 leaves F set
    assertThat(bed.fsts() & FaultStatus.PPF).isEqualTo(FaultStatus.PPF);
    bed.w32(FRCD0 + 12, 0x8000_0000); // as Linux's dmar_fault: 32-bit write of F to the top dword
    assertThat(bed.r64(FRCD0 + 8) & FaultRecord.F).isZero();
    assertThat(bed.fsts() & FaultStatus.PPF).isZero();
  }

  @Test
  void severalRecordsFillInTurnAndOnlyTheFirstRaisesTheEvent() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.preset("bare-metal", 48)); // NFR 7
    bed.w32(Registers.FECTL, 0);
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    bed.unit.recordFault(SID_B, 0x2000, FaultReason.WRITE_DENIED, false);
    assertThat(FaultRecord.decode(bed.r64(FRCD0 + 16), bed.r64(FRCD0 + 24)))
        .isEqualTo(new FaultRecord(0x2000, SID_B, 5, false, true));
    assertThat(bed.fsts()).isEqualTo(FaultStatus.PPF); // FRI still 0: it names the first pending record
    assertThat(bed.msis).hasSize(1); // PPF was already set: no second event (as QEMU)
  }

  @Test
  void noFaultEventWhileAnIqeIsPending() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.qemu72());
    bed.w32(Registers.FECTL, 0);
    bed.enableQueue(0x10_0000, 0);
    bed.putRaw(0, 0); // type 0: invalid → IQE, fault event
    bed.writeTail();
    assertThat(bed.msis).hasSize(1);
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE | FaultStatus.PPF);
    assertThat(bed.msis).hasSize(1);
  }

  @Test
  void clearingEveryFaultConditionDropsAMaskedPendingEvent() {
    VtdTestBed bed = withFaultEventTarget(VtdConfig.qemu72());
    bed.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    assertThat(bed.r32(Registers.FECTL) & FaultStatus.IP).isEqualTo(FaultStatus.IP);
    bed.w64(FRCD0 + 8, FaultRecord.F);
    bed.w32(Registers.FSTS, 0); // as QEMU's vtd_handle_fsts_write: no condition left → IP cleared
    assertThat(bed.r32(Registers.FECTL)).isEqualTo(FaultStatus.IM);
    bed.w32(Registers.FECTL, 0);
    assertThat(bed.msis).isEmpty();
  }

  @Test
  void disablingTranslationRestartsRecordingAtTheFirstRegister() {
    VtdTestBed multi = new VtdTestBed(VtdConfig.preset("bare-metal", 48));
    multi.unit.recordFault(SID_A, 0x1000, FaultReason.READ_DENIED, true);
    multi.w64(FRCD0 + 8, FaultRecord.F);
    multi.command(GlobalCommand.TE, true);
    multi.command(GlobalCommand.TE, false);
    multi.unit.recordFault(SID_B, 0x2000, FaultReason.READ_DENIED, true);
    assertThat(multi.r64(FRCD0)).isEqualTo(0x2000);
    assertThat(multi.r64(FRCD0 + 24)).isZero();
  }

  @Test
  void translateIsIdentityWhileTranslationIsOff() {
    VtdTestBed bed = VtdTestBed.qemu72();
    // no root table at all: a walk would fault, so identity without a fault shows none happened
    assertThat(bed.unit.translate(SID_A, 0xABC_D123L, true)).isEqualTo(TranslationResult.identity(0xABC_D123L));
    assertThat(bed.events(FaultRecorder.EV_FAULT)).isEmpty();
    assertThat(bed.fsts()).isZero();
  }

  /** SID_A: 0x7000 mapped read-only in domain 3; SID_B: domain 3's context with FPD=1 over an empty table. */
  private static VtdTestBed withTables() {
    VtdTestBed bed = VtdTestBed.qemu72();
    TableBuilder tables = new TableBuilder(bed.memory, 0x10_0000);
    long top = tables.multiLevelContext(SID_A, 3, AGAW_48);
    tables.map(top, 4, 0x7000, 0x9000, Page.SIZE, true, false);
    tables.map(top, 4, 0x1000, 0x9000, Page.SIZE, true, true);
    tables.context(SID_B, new ContextEntry(true, true, TranslationType.MULTI_LEVEL, tables.allocPage(), AGAW_48, 3));
    bed.w64(Registers.RTADDR, tables.rootTable());
    bed.command(GlobalCommand.SRTP, true);
    bed.command(GlobalCommand.TE, true);
    return bed;
  }

  static final int AGAW_48 = 2; // 4-level

  @Test
  void translateRecordsTheWalksFaultUnlessFpdSuppressesIt() {
    VtdTestBed bed = withTables();
    TranslationResult suppressed = bed.unit.translate(SID_B, 0x8000, false);
    assertThat(suppressed.fault()).isEqualTo(FaultReason.READ_DENIED); // spec 7.1.3: a not-present read
    assertThat(suppressed.faultSuppressed()).isTrue();
    assertThat(bed.fsts()).isZero();
    assertThat(bed.events(FaultRecorder.EV_FAULT).get(0).attrs())
        .containsEntry("recorded", false).containsEntry("outcome", "SUPPRESSED");

    assertThat(bed.unit.translate(SID_A, 0x7123, true).fault()).isEqualTo(FaultReason.WRITE_DENIED);
    assertThat(FaultRecord.decode(bed.r64(FRCD0), bed.r64(FRCD0 + 8)))
        .isEqualTo(new FaultRecord(0x7000, SID_A, 5, false, true));
    assertThat(bed.fsts()).isEqualTo(FaultStatus.PPF);
  }

  @Test
  void translateRejectsSourceIdsThatAreNotSixteenBits() {
    VtdTestBed bed = VtdTestBed.qemu72();
    assertThatThrownBy(() -> bed.unit.translate(0x1_0000, 0, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source-id");
  }

  @Test
  void aSuccessfulTranslationRecordsNothing() {
    VtdTestBed bed = withTables();
    TranslationResult ok = bed.unit.translate(SID_A, 0x1234, false);
    assertThat(ok.ok()).isTrue();
    assertThat(ok.address()).isEqualTo(0x9234);
    assertThat(bed.events(FaultRecorder.EV_FAULT)).isEmpty();
    assertThat(bed.fsts()).isZero();
  }
}
