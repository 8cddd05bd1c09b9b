package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import io.vtdsim.emu.testing.TableBuilder;
import org.junit.jupiter.api.Test;

/**
 * Scalable mode end to end through the unit's registers: RTADDR with TTM = 01b, a 256-bit queue
 * (IQA.DW) carrying PASID-based descriptors, requests without PASID translated through the
 * RID_PASID's PASID-table entry by PGTT, the caches tagged as the spec (6.2) and QEMU say, and the
 * scalable-mode fault records (VT-d spec 3.4.3, 6.5.2, 7.1.3, 9.4–9.7).
 */
class ScalableModeUnitTest {
  private static final int SID = 0x0018; // 00:03.0
  private static final int DID = 2;
  private static final long POOL = 0x0100_0000L;
  private static final long QUEUE = 0x0300_0000L;
  private static final long IOVA = 0x0010_0000L;
  private static final long PAGE_A = 0x0020_0000L;
  private static final long PAGE_B = 0x0030_0000L;

  /** A unit plus scalable tables plus a 256-bit queue the way Linux's dmar_enable_qi sets it up. */
  private static final class Machine implements AutoCloseable {
    final VtdTestBed bed;
    final ScalableTableBuilder tables;
    final long directory;
    final long fsRoot;
    private int tail;

    Machine(String preset) {
      this(VtdConfig.preset(preset, 48));
    }

    Machine(VtdConfig config) {
      bed = new VtdTestBed(config);
      tables = new ScalableTableBuilder(bed.memory, POOL);
      directory = tables.pasidContext(SID, 0, 0);
      fsRoot = tables.firstStageRoot();
    }

    void enable(long rtaddr) {
      bed.w64(Registers.RTADDR, rtaddr);
      bed.w32(Registers.GCMD, GlobalCommand.SRTP);
      // IQA.DW = 1, QS = 0: 128 descriptors of 32 bytes in one page
      bed.w64(Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, true, 0));
      bed.w64(Registers.IQT, 0);
      bed.command(GlobalCommand.QIE, true);
      bed.command(GlobalCommand.TE, true);
    }

    void enable() {
      enable(new RootTableAddress(tables.rootTable(), RootTableAddress.Mode.SCALABLE).encode());
    }

    void submit(InvalidationDescriptor... descriptors) {
      for (InvalidationDescriptor d : descriptors) putRaw(d.lo(), d.hi(), 0, 0);
      bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, true));
    }

    void putRaw(long q0, long q1, long q2, long q3) {
      long a = QUEUE + tail * 32L;
      bed.memory.write64(a, q0);
      bed.memory.write64(a + 8, q1);
      bed.memory.write64(a + 16, q2);
      bed.memory.write64(a + 24, q3);
      tail++;
    }

    TranslationResult read(long iova) {
      return bed.unit.translate(SID, iova, false);
    }

    ScalableTranslator scalable() {
      return bed.unit.scalableTranslator();
    }

    @Override
    public void close() {
      bed.close();
    }
  }

  private static Machine firstStageMachine() {
    return firstStageMachine(VtdConfig.preset("qemu-11.1-sm-fsts", 48));
  }

  private static Machine firstStageMachine(VtdConfig config) {
    Machine m = new Machine(config);
    m.tables.pasidEntry(m.directory, 0, PasidTableEntry.firstStage(DID, m.fsRoot, false, 2));
    m.tables.mapFirstStage(m.fsRoot, 4, IOVA, PAGE_A, 4096, true);
    m.enable();
    return m;
  }

  @Test
  void firstStageWriteTranslatesSetsAdAndIsCachedByDidAndPasid() {
    try (Machine m = firstStageMachine()) {
      TranslationResult r = m.bed.unit.translate(SID, IOVA + 0x123, true);
      assertThat(r.ok()).isTrue();
      assertThat(r.address()).isEqualTo(PAGE_A + 0x123);
      assertThat(r.did()).isEqualTo(DID);
      assertThat(r.cached()).isFalse();
      long leaf = m.bed.memory.read64(m.tables.firstStageEntry(m.fsRoot, 4, IOVA, 1));
      assertThat(leaf).isEqualTo(PAGE_A | 0x67); // P R/W U/S + A + D written back
      assertThat(m.scalable().firstStageIotlbSize()).isEqualTo(1);
      assertThat(m.scalable().pasidCacheSize()).isEqualTo(1);
      assertThat(m.read(IOVA).cached()).isTrue();
    }
  }

  @Test
  void aChangedFirstStagePteStaysCachedUntilAPasidBasedPsi() {
    try (Machine m = firstStageMachine()) {
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.tables.mapFirstStage(m.fsRoot, 4, IOVA, PAGE_B, 4096, true); // no invalidation: the IOTLB is stale
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.submit(PasidIotlbInvalidation.page(DID, 1, IOVA, 0, false)); // another PASID: no effect
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.submit(PasidIotlbInvalidation.page(DID, 0, IOVA + 0x5000, 0, false)); // another page: no effect
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 0, false));
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_B);
      assertThat(m.bed.events("vtd.descriptor")).extracting(e -> e.attrs().get("desc"))
          .containsExactly("piotlb-psi", "piotlb-psi", "piotlb-psi");
    }
  }

  @Test
  void aLegacyPsiDropsEveryFirstStageEntryOfTheDomainAsQemu() {
    try (Machine m = firstStageMachine()) {
      m.tables.mapFirstStage(m.fsRoot, 4, IOVA + 0x40_0000, PAGE_B, 4096, true);
      m.read(IOVA);
      m.read(IOVA + 0x40_0000);
      assertThat(m.scalable().firstStageIotlbSize()).isEqualTo(2);
      m.submit(IotlbInvalidation.domain(DID + 1, false, false));
      assertThat(m.scalable().firstStageIotlbSize()).isEqualTo(2);
      // a PSI of an unrelated page still drops both (QEMU's vtd_iotlb_page_invalidate on first-stage entries)
      m.submit(IotlbInvalidation.page(DID, 0x7000_0000L, 0, false, false, false));
      assertThat(m.scalable().firstStageIotlbSize()).isZero();
      m.read(IOVA);
      m.submit(PasidIotlbInvalidation.pasid(DID, 0));
      assertThat(m.scalable().firstStageIotlbSize()).isZero();
    }
  }

  @Test
  void aRewrittenPasidEntryNeedsAPasidCacheInvalidation() {
    try (Machine m = firstStageMachine()) {
      m.read(IOVA);
      long other = m.tables.firstStageRoot();
      m.tables.mapFirstStage(other, 4, IOVA, PAGE_B, 4096, true);
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.firstStage(DID, other, false, 2));
      m.submit(PasidIotlbInvalidation.pasid(DID, 0)); // IOTLB flushed, PASID cache not
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.submit(PasidCacheInvalidation.pasid(DID + 1, 0)); // wrong DID: the cached entry stays
      m.submit(PasidIotlbInvalidation.pasid(DID, 0));
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.submit(PasidCacheInvalidation.pasid(DID, 0), PasidIotlbInvalidation.pasid(DID, 0));
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_B);
      m.submit(ContextCacheInvalidation.device(0, SID, 0));
      assertThat(m.scalable().pasidCacheSize()).isZero();
      assertThat(m.scalable().contextCacheSize()).isZero();
    }
  }

  @Test
  void firstStageFaultIsRecordedWithItsScalableReasonAndFpdSuppressesIt() {
    try (Machine m = firstStageMachine()) {
      TranslationResult r = m.read(0x7000_0000L);
      assertThat(r.fault()).isEqualTo(FaultReason.FIRST_STAGE_NOT_PRESENT);
      FaultRecord fr = FaultRecord.decode(m.bed.r64(0x220), m.bed.r64(0x228));
      assertThat(fr.fault()).isTrue();
      assertThat(fr.reason()).isEqualTo(0x71);
      assertThat(fr.sid()).isEqualTo(SID);
      assertThat(fr.pageAddress()).isEqualTo(0x7000_0000L);
      assertThat(m.bed.fsts() & FaultStatus.PPF).isNotZero();
    }
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      PasidTableEntry fs = PasidTableEntry.firstStage(DID, m.fsRoot, false, 2);
      m.tables.pasidEntry(m.directory, 0, new PasidTableEntry(true, true, fs.aw(), false, fs.pgtt(), false, 0, DID,
          false, false, false, false, 0, false, false, 0, false, 0, false, false, m.fsRoot));
      m.enable();
      TranslationResult r = m.read(0x7000_0000L);
      assertThat(r.fault()).isEqualTo(FaultReason.FIRST_STAGE_NOT_PRESENT);
      assertThat(r.faultSuppressed()).isTrue();
      assertThat(m.bed.fsts() & FaultStatus.PPF).isZero();
    }
  }

  @Test
  void nonCanonicalAndInterruptWindowFaults() {
    try (Machine m = firstStageMachine()) {
      assertThat(m.read(0x0000_8000_0000_0000L).fault()).isEqualTo(FaultReason.FIRST_STAGE_NON_CANONICAL);
      m.tables.mapFirstStage(m.fsRoot, 4, 0x0050_0000L, 0xFEE0_0000L, 4096, true);
      assertThat(m.read(0x0050_0000L).fault()).isEqualTo(FaultReason.SCALABLE_INTERRUPT_ADDRESS);
      long pte = m.tables.firstStageEntry(m.fsRoot, 4, IOVA, 1);
      m.bed.memory.write64(pte, PAGE_A | FirstStagePte.P | FirstStagePte.US); // read-only
      m.submit(PasidIotlbInvalidation.pasid(DID, 0));
      assertThat(m.bed.unit.translate(SID, IOVA, true).fault()).isEqualTo(FaultReason.SCALABLE_WRITE_DENIED);
      assertThat(m.read(IOVA).ok()).isTrue();
      // the read filled the IOTLB with a read-only entry: a write now faults from the cache
      TranslationResult cachedWrite = m.bed.unit.translate(SID, IOVA, true);
      assertThat(cachedWrite.fault()).isEqualTo(FaultReason.SCALABLE_WRITE_DENIED);
      assertThat(cachedWrite.cached()).isTrue();
    }
  }

  @Test
  void secondStageScalableModeSharesTheLegacyCachesAndIgnoresPasidBasedInvalidations() {
    try (Machine m = new Machine("qemu-11.1-sm")) {
      TableBuilder ss = m.tables.secondStage();
      long slpt = ss.allocPage();
      ss.map(slpt, 4, IOVA, PAGE_A, 4096, true, true);
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.secondStage(DID, slpt, 2));
      m.enable();
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      ss.map(slpt, 4, IOVA, PAGE_B, 4096, true, true);
      // spec 6.5.2.4: a PASID-based invalidation never touches second-stage-only mappings
      m.submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 0, false));
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_A);
      m.submit(IotlbInvalidation.page(DID, IOVA, 0, false, false, false));
      assertThat(m.read(IOVA).address()).isEqualTo(PAGE_B);
      assertThat(m.scalable().firstStageIotlbSize()).isZero();
      // write denied in the second stage keeps the legacy code (QEMU's vtd_iova_to_sspte)
      ss.map(slpt, 4, IOVA + 0x1000, PAGE_A, 4096, true, false);
      assertThat(m.bed.unit.translate(SID, IOVA + 0x1000, true).fault()).isEqualTo(FaultReason.WRITE_DENIED);
    }
  }

  @Test
  void passThroughAndUnsupportedTypes() {
    try (Machine m = new Machine("qemu-11.1-sm")) {
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.passThrough(DID));
      m.enable();
      TranslationResult r = m.read(0x1234_5678L);
      assertThat(r.address()).isEqualTo(0x1234_5678L);
      assertThat(r.did()).isEqualTo(DID);
    }
    // qemu-11.1-sm reports SSTS, not FSTS: a first-stage entry is invalid programming (0x5B)
    try (Machine m = new Machine("qemu-11.1-sm")) {
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.firstStage(DID, m.fsRoot, false, 2));
      m.enable();
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.PASID_ENTRY_INVALID);
      assertThat(FaultRecord.decode(m.bed.r64(0x220), m.bed.r64(0x228)).reason()).isEqualTo(0x5B);
    }
    // 5-level first stage without CAP.FL5LP
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.firstStage(DID, m.fsRoot, true, 2));
      m.enable();
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.PASID_ENTRY_INVALID);
    }
  }

  @Test
  void pasidStructureFaults() {
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.enable(); // the directory exists, its entry for PASID 0 does not
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.PASID_DIRECTORY_NOT_PRESENT);
    }
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.tables.pasidTable(m.directory, 0); // a present directory entry, an empty PASID table
      m.enable();
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.PASID_ENTRY_NOT_PRESENT);
    }
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.bed.memory.write64(m.directory, 0x1_0000_0000L | 1); // PASID table beyond RAM
      m.enable();
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.PASID_TABLE_UNREADABLE);
    }
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.firstStage(DID, 1L << 48, false, 2));
      m.enable();
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.FIRST_STAGE_POINTER_INVALID);
    }
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.tables.pasidEntry(m.directory, 0, PasidTableEntry.firstStage(DID, m.fsRoot, false, 2));
      long ce = m.tables.contextAddress(SID);
      m.bed.memory.write64(ce, m.bed.memory.read64(ce) | 1 << 5); // context Q0 bits 8:5 reserved
      m.enable();
      assertThat(m.read(IOVA).fault()).isEqualTo(FaultReason.CONTEXT_RESERVED);
    }
    try (Machine m = new Machine("qemu-11.1-sm-fsts")) {
      m.enable();
      // devfn 0x80 is served by the root entry's upper half, which is not present
      assertThat(m.bed.unit.translate(0x0080, IOVA, false).fault()).isEqualTo(FaultReason.ROOT_NOT_PRESENT);
    }
  }

  @Test
  void scalableTtmOnALegacyOnlyUnitFaults0x31() {
    try (VtdTestBed bed = VtdTestBed.qemu72()) {
      bed.w64(Registers.RTADDR, 0x0100_0000L | RootTableAddress.SMT);
      bed.w32(Registers.GCMD, GlobalCommand.SRTP);
      bed.command(GlobalCommand.TE, true);
      TranslationResult r = bed.unit.translate(SID, IOVA, false);
      assertThat(r.fault()).isEqualTo(FaultReason.ROOT_TABLE_MODE_INVALID);
      assertThat(FaultRecord.decode(bed.r64(0x220), bed.r64(0x228)).reason()).isEqualTo(0x31);
    }
  }

  @Test
  void pasidDescriptorsNeedA256BitQueueAndZeroUpperWords() {
    try (Machine m = firstStageMachine()) {
      m.putRaw(PasidIotlbInvalidation.pasid(DID, 0).lo(), 0, 1, 0); // Q2 reserved
      m.bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(1, true));
      assertThat(m.bed.fsts() & FaultStatus.IQE).isNotZero();
      assertThat(m.bed.r64(Registers.IQH)).isZero();
    }
    try (VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-11.1-sm-fsts", 48))) {
      bed.enableQueue(QUEUE, 0); // 128-bit descriptors
      bed.submit(PasidIotlbInvalidation.pasid(DID, 0));
      assertThat(bed.fsts() & FaultStatus.IQE).isNotZero();
    }
    try (Machine m = firstStageMachine()) {
      m.submit(PasidIotlbInvalidation.page(DID, 0, 0, 19, false)); // AM 19 > MAMV 18
      assertThat(m.bed.fsts() & FaultStatus.IQE).isNotZero();
    }
  }

  /** As QEMU 11.1.3 (measured by QemuScalableFirstStageTest): CAP.MAMV bounds a PASID-based PSI in qemu fidelity too. */
  @Test
  void underQemuFidelityAPasidBasedPsiBeyondMamvIsAnIqeAndAtMamvInvalidates() {
    try (Machine m = firstStageMachine(VtdConfig.preset("qemu-11.1-sm-fsts", 48, Fidelity.QEMU))) {
      assertThat(m.read(IOVA).ok()).isTrue(); // cached
      m.tables.mapFirstStage(m.fsRoot, 4, IOVA, PAGE_B, 4096, true); // retarget the PTE
      assertThat(m.read(IOVA).address()).as("the IOTLB still answers").isEqualTo(PAGE_A);
      m.submit(PasidIotlbInvalidation.page(DID, 0, 0, 18, false)); // AM 18 = MAMV: 1 GiB from 0
      assertThat(m.bed.fsts() & FaultStatus.IQE).isZero();
      assertThat(m.read(IOVA).address()).as("the cached translation went").isEqualTo(PAGE_B);
      m.submit(PasidIotlbInvalidation.page(DID, 0, 0, 19, false)); // AM 19 > MAMV 18
      assertThat(m.bed.fsts() & FaultStatus.IQE).isNotZero();
    }
  }

  @Test
  void atsRequestsInScalableModeAreRefusedAsNotModelled() {
    try (Machine m = firstStageMachine()) {
      assertThatThrownBy(() -> m.bed.unit.translate(SID, IOVA, false, RequestType.TRANSLATION_REQUEST))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("scalable mode");
    }
  }

  @Test
  void resetReturnsToLegacyMode() {
    try (Machine m = firstStageMachine()) {
      m.read(IOVA);
      m.bed.unit.reset();
      assertThat(m.scalable().firstStageIotlbSize()).isZero();
      assertThat(m.scalable().pasidCacheSize()).isZero();
      // legacy mode after reset: the same root table read as legacy (its entry's lower half is a
      // context-table pointer, the scalable context entry there decodes as a legacy one)
      m.bed.w64(Registers.RTADDR, m.tables.rootTable());
      m.bed.w32(Registers.GCMD, GlobalCommand.SRTP);
      m.bed.command(GlobalCommand.TE, true);
      assertThat(m.read(IOVA).fault()).isNotNull();
      assertThat(m.scalable().pasidCacheSize()).isZero();
    }
  }
}
