package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.driver.domain.TranslationStage;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidDirectoryEntry;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.ScalableRootEntry;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.TranslationResult;
import io.vtdsim.emu.vtd.VtdConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scalable mode against the real unit (VtdUnit, QEMU 11.1's scalable-mode presets): bring-up, the
 * tables the driver writes (decoded with the spec's codecs and compared with values worked out by hand
 * from the pool layout below), DMA through the unit, and the era rules of the flushes.
 *
 * <p>Pool layout at boot (the pool starts at 0x100_0000, pages handed out in order): the 256-bit queue
 * 0x100_0000–0x100_1fff (two pages), status words 0x100_2000, root table 0x100_3000, the default domain's
 * top table 0x100_4000; 6.12 then sets the context entry first (context table 0x100_5000, PASID
 * directory 0x100_6000) and the PASID table 0x100_7000. Device 00:03.0: devfn 0x18, lower half. DID 2
 * (6.x reserves 0 and 1). CAP at aw 48: SAGAW 39|48 → AGAW 2, 4 levels.
 */
class ScalableModeTest {
  static final SourceId DEV = SourceId.parse("00:03.0");
  static final long ROOT = 0x100_3000L;
  static final long DOMAIN_TOP = 0x100_4000L;
  static final long CONTEXT_TABLE = 0x100_5000L;
  static final long DIRECTORY = 0x100_6000L;
  static final long PASID_TABLE = 0x100_7000L;
  static final long GPA = 0x234_5678L;
  /** The first DMA-API IOVA: the page below 4 GiB, plus the buffer's offset. */
  static final long IOVA = 0xFFFF_F678L;

  static VtdConfig sm() {
    return VtdConfig.preset("qemu-11.1-sm", 48);
  }

  static VtdConfig smFsts() {
    return VtdConfig.preset("qemu-11.1-sm-fsts", 48);
  }

  static Rig booted(DriverConfig config, VtdConfig vtd) {
    Rig rig = new Rig(config, vtd);
    rig.driver.boot(List.of(DEV));
    return rig;
  }

  long q(Rig rig, long address) {
    return rig.memory.read64(address);
  }

  // ------------------------------------------------------------------ bring-up and tables

  @Test
  void bringUpOnSecondStageUnitWritesScalableTables() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), sm())) {
      assertThat(rig.driver.scalableMode()).isTrue();
      long rtaddr = rig.bus.read64(Registers.DEFAULT_BASE + Registers.RTADDR);
      assertThat(RootTableAddress.decode(rtaddr)).isEqualTo(new RootTableAddress(ROOT, RootTableAddress.Mode.SCALABLE));
      long iqa = rig.bus.read64(Registers.DEFAULT_BASE + Registers.IQA);
      assertThat(InvalidationQueueRegisters.is256(iqa)).isTrue();
      assertThat(InvalidationQueueRegisters.qs(iqa)).isEqualTo(1);
      assertThat(InvalidationQueueRegisters.base(iqa)).isEqualTo(0x100_0000L);

      // root entry of bus 0: the lower half points at the context table, the upper half is empty
      assertThat(ScalableRootEntry.decode(q(rig, ROOT), q(rig, ROOT + 8)))
          .isEqualTo(new ScalableRootEntry(true, CONTEXT_TABLE, false, 0));
      long ce = CONTEXT_TABLE + 0x18 * 32L;
      assertThat(ScalableContextEntry.decode(q(rig, ce), q(rig, ce + 8)))
          .isEqualTo(new ScalableContextEntry(true, false, false, false, false, 2, DIRECTORY, 0, false));
      assertThat(q(rig, ce)).isEqualTo(0x100_6401L); // PASIDDIRPTR | PDTS 2 << 9 | P
      assertThat(PasidDirectoryEntry.decode(q(rig, DIRECTORY))).isEqualTo(new PasidDirectoryEntry(true, false, PASID_TABLE));
      // PASID 0: second stage (the unit offers SSTS only), SSPTPTR = the domain's table, AW 2, DID 2
      PasidTableEntry pe = PasidTableEntry.decode(q(rig, PASID_TABLE), q(rig, PASID_TABLE + 8), q(rig, PASID_TABLE + 16));
      assertThat(pe).isEqualTo(PasidTableEntry.secondStage(2, DOMAIN_TOP, 2));
      assertThat(q(rig, PASID_TABLE)).isEqualTo(0x100_4089L); // SSPTPTR | PGTT 010b << 6 | AW 2 << 2 | P
      assertThat(rig.driver.domainStage("default:" + DEV)).isEqualTo(TranslationStage.SECOND);

      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(iova).isEqualTo(IOVA);
      TranslationResult r = rig.unit.translate(DEV.sid(), iova, true);
      assertThat(r.ok()).as("%s", r).isTrue();
      assertThat(r.address()).isEqualTo(GPA);
      rig.driver.unmapSingle(DEV, iova, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.unit.translate(DEV.sid(), iova, true).ok()).isFalse();
    }
  }

  @Test
  void bringUpOnFirstStageUnitWritesFirstStageEntryAndTables() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), smFsts())) {
      assertThat(rig.driver.scalableMode()).isTrue();
      assertThat(rig.driver.domainStage("default:" + DEV)).isEqualTo(TranslationStage.FIRST);
      PasidTableEntry pe = PasidTableEntry.decode(q(rig, PASID_TABLE), q(rig, PASID_TABLE + 8), q(rig, PASID_TABLE + 16));
      // PGTT 001b, FSPTPTR = the domain's PML4, FSPM 4-level, AW = the unit's AGAW 2, DID 2, SRE off (6.x)
      assertThat(pe).isEqualTo(PasidTableEntry.firstStage(2, DOMAIN_TOP, false, 2));
      assertThat(q(rig, PASID_TABLE)).isEqualTo(0x49L); // PGTT 1 << 6 | AW 2 << 2 | P
      assertThat(q(rig, PASID_TABLE + 8)).isEqualTo(2L);
      assertThat(q(rig, PASID_TABLE + 16)).isEqualTo(DOMAIN_TOP);

      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(iova).isEqualTo(IOVA);
      // 0xffff_f000: PML4 index 0, PDPT index 3, PD index 511, PT index 511; tables 0x100_8000.. in order
      long pml4e = q(rig, DOMAIN_TOP);
      long pdpte = q(rig, 0x100_8000L + 3 * 8);
      long pde = q(rig, 0x100_9000L + 511 * 8);
      long pte = q(rig, 0x100_A000L + 511 * 8);
      // 6.12 table entries: P | R/W | U/S | A (no XD since 6.11)
      assertThat(pml4e).isEqualTo(0x100_8000L | 0x27);
      assertThat(pdpte).isEqualTo(0x100_9000L | 0x27);
      assertThat(pde).isEqualTo(0x100_A000L | 0x27);
      // the leaf: P | R/W | U/S | A | D (writable), the page
      assertThat(pte).isEqualTo(0x234_5000L | 0x67);
      assertThat(FirstStagePte.decode(pte)).isEqualTo(
          new FirstStagePte(true, true, true, false, false, true, true, false, false, false, 0x234_5000L));

      TranslationResult r = rig.unit.translate(DEV.sid(), iova, true);
      assertThat(r.ok()).as("%s", r).isTrue();
      assertThat(r.address()).isEqualTo(GPA);
      assertThat(r.did()).isEqualTo(2);
      rig.driver.unmapSingle(DEV, iova, 0x100, Direction.BIDIRECTIONAL);
      TranslationResult after = rig.unit.translate(DEV.sid(), iova, true);
      assertThat(after.fault()).isEqualTo(FaultReason.FIRST_STAGE_NOT_PRESENT);
    }
  }

  @Test
  void linux61FirstStageEntriesCarryExecuteDisable() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_1), smFsts())) {
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.TO_DEVICE);
      TranslationResult r = rig.unit.translate(DEV.sid(), iova, false);
      assertThat(r.ok()).as("%s", r).isTrue();
      assertThat(r.address()).isEqualTo(GPA);
      // the leaf of a read-only map: P | U/S | A | XD, no R/W and no D (≤6.10 DMA_FL_PTE_XD)
      long top = rig.driver.pageTableRoot("default:" + DEV);
      long l3 = FirstStagePte.addressOf(q(rig, top), 4, false);
      long l2 = FirstStagePte.addressOf(q(rig, l3 + 3 * 8), 3, false);
      long l1 = FirstStagePte.addressOf(q(rig, l2 + 511 * 8), 2, false);
      assertThat(q(rig, top) & FirstStagePte.XD).isNotZero();
      assertThat(q(rig, l1 + 511 * 8)).isEqualTo(0x234_5000L | 0x25 | FirstStagePte.XD);
      assertThat(rig.unit.translate(DEV.sid(), iova, true).fault()).isEqualTo(FaultReason.SCALABLE_WRITE_DENIED);
    }
  }

  @Test
  void globalFlushesAfterSrtpIncludePasidCacheUnlessEsrtps() {
    VtdConfig noEsrtps = sm().withCap(sm().cap().withEsrtps(false));
    try (Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_6_12), noEsrtps)) {
      rig.driver.boot(List.of());
      assertThat(rig.submissions()).containsExactly(
          List.of(ContextCacheInvalidation.global(), wait(rig, 0)),
          List.of(PasidCacheInvalidation.global(), wait(rig, 2)),
          List.of(IotlbInvalidation.global(noEsrtps.cap().drd(), noEsrtps.cap().dwd()), wait(rig, 4)));
    }
    // 5.10 (sm_on): the PASID cache was not flushed at SRTP before 5.13
    try (Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_5_10).withScalableMode(ScalableMode.ON), noEsrtps)) {
      rig.driver.boot(List.of());
      assertThat(rig.driver.scalableMode()).isTrue();
      assertThat(rig.invalidations()).containsExactly(ContextCacheInvalidation.global().describe(),
          IotlbInvalidation.global(noEsrtps.cap().drd(), noEsrtps.cap().dwd()).describe());
    }
    // ESRTPS (QEMU 11.1): SRTP invalidates by itself, nothing is sent
    try (Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_6_12), sm())) {
      rig.driver.boot(List.of());
      assertThat(rig.executed()).isEmpty();
    }
  }

  /** A DSI as the driver sends it on this unit (DR/DW from CAP). */
  private static IotlbInvalidation dsi(Rig rig, int did) {
    return IotlbInvalidation.domain(did, rig.unit.config().cap().drd(), rig.unit.config().cap().dwd());
  }

  private static IotlbInvalidation psi(Rig rig, int did, long address, int am) {
    return IotlbInvalidation.page(did, address, am, false, rig.unit.config().cap().drd(), rig.unit.config().cap().dwd());
  }

  /** The wait descriptor of a submission at queue slot {@code slot} (status words at 0x100_2000). */
  private static InvalidationWait wait(Rig rig, int slot) {
    return InvalidationWait.statusWrite(InvalidationWait.QI_DONE, 0x100_2000L + 4L * (slot + 1));
  }

  // ------------------------------------------------------------------ attach flushes

  @Test
  void attachUnderCmFlushesContextAndPasidCaches() {
    try (Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_6_12), smFsts())) {
      rig.driver.boot(List.of(DEV));
      // 6.12: context entry at probe (CC device-selective DID 0, DSI DID 0), then pasid_flush_caches
      assertThat(rig.invalidations()).containsExactly(
          ContextCacheInvalidation.device(0, DEV.sid(), 0).describe(),
          dsi(rig, 0).describe(),
          PasidCacheInvalidation.pasid(2, 0).describe(),
          PasidIotlbInvalidation.pasid(2, 0).describe());
    }
    try (Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_6_1), sm())) {
      rig.driver.boot(List.of(DEV));
      // 6.1: PASID entry first (pasid_flush_caches), then domain_context_mapping_one: CC DID 0 + DSI of the DID
      assertThat(rig.invalidations()).containsExactly(
          PasidCacheInvalidation.pasid(2, 0).describe(),
          PasidIotlbInvalidation.pasid(2, 0).describe(),
          ContextCacheInvalidation.device(0, DEV.sid(), 0).describe(),
          dsi(rig, 2).describe());
    }
  }

  @Test
  void detachTearsDownThePasidEntry() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), smFsts())) {
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.unit.translate(DEV.sid(), iova, false).ok()).isTrue();
      rig.resetRecording();
      rig.driver.detach(DEV);
      assertThat(rig.invalidations()).containsExactly(
          PasidCacheInvalidation.pasid(2, 0).describe(),
          PasidIotlbInvalidation.pasid(2, 0).describe());
      assertThat(PasidTableEntry.present(q(rig, PASID_TABLE))).isFalse();
      assertThat(rig.unit.translate(DEV.sid(), iova, false).fault()).isEqualTo(FaultReason.PASID_ENTRY_NOT_PRESENT);
    }
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), sm())) {
      rig.resetRecording();
      rig.driver.detach(DEV);
      // a second-stage entry: PASID cache, then a DSI
      assertThat(rig.invalidations()).containsExactly(
          PasidCacheInvalidation.pasid(2, 0).describe(),
          dsi(rig, 2).describe());
    }
    // 5.10 (sm_on): a PASID-based IOTLB invalidation for the second-stage entry too (fixed in 5.15)
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_5_10).withScalableMode(ScalableMode.ON), sm())) {
      rig.resetRecording();
      rig.driver.detach(DEV);
      assertThat(rig.invalidations()).containsExactly(
          PasidCacheInvalidation.pasid(2, 0).describe(),
          PasidIotlbInvalidation.pasid(2, 0).describe());
    }
  }

  // ------------------------------------------------------------------ map and unmap flushes

  @Test
  void firstStageMapUnderCmSendsNoInvalidation() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), smFsts())) {
      rig.resetRecording();
      rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.executed()).isEmpty();
      assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).singleElement()
          .satisfies(e -> assertThat(e.detail()).contains("none"));
    }
  }

  @Test
  void secondStageMapUnderCmSendsPsiInA256BitSlot() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), sm())) {
      rig.resetRecording();
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.executed()).hasSize(2);
      assertThat(rig.executed().get(0)).isEqualTo(psi(rig, 2, iova & ~0xFFFL, 0));
      // the queue holds 32-byte descriptors: the PSI's words 2 and 3 are zero
      long tail = InvalidationQueueRegisters.registerToIndex(rig.bus.read64(Registers.DEFAULT_BASE + Registers.IQT), true);
      long psi = InvalidationQueueRegisters.descriptorAddress(0x100_0000L, (int) tail - 2, true);
      assertThat(InvalidationDescriptor.type(q(rig, psi))).isEqualTo(InvalidationDescriptor.TYPE_IOTLB);
      assertThat(q(rig, psi + 16) | q(rig, psi + 24)).isZero();
    }
  }

  @Test
  void firstStageUnmapSendsPasidBasedPsi() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), smFsts())) {
      // 3 pages round to a 4-page, size-aligned IOVA block below 4 GiB: pfn 0xffffc
      long iova = rig.driver.mapSingle(DEV, 0x300_0000L, 0x3000, Direction.FROM_DEVICE);
      assertThat(iova).isEqualTo(0xFFFF_C000L);
      rig.resetRecording();
      rig.driver.unmapSingle(DEV, iova, 0x3000, Direction.FROM_DEVICE);
      // AM = log2(roundup(3)) = 2, ADDR 0xffffc000, DID 2, PASID 0, IH=1 (no table page freed)
      assertThat(rig.executed()).first().isEqualTo(PasidIotlbInvalidation.page(2, 0, 0xFFFF_C000L, 2, true));
      assertThat(rig.unit.translate(DEV.sid(), iova + 0x2000, true).fault()).isEqualTo(FaultReason.FIRST_STAGE_NOT_PRESENT);
    }
  }

  @Test
  void firstStageUnalignedIommuApiUnmapPerEra() {
    // IOMMU API on an FSTS-only unit: the vfio domain is first-stage too (the one stage offered)
    for (DriverPreset p : List.of(DriverPreset.LINUX_6_1, DriverPreset.LINUX_6_12)) {
      try (Rig rig = booted(DriverConfig.of(p), smFsts())) {
        rig.driver.attach(DEV, "vfio");
        assertThat(rig.driver.domainStage("vfio")).isEqualTo(TranslationStage.FIRST);
        rig.driver.map("vfio", 0x3000, 0x50_0000L, 0x2000, true, true);
        rig.resetRecording();
        rig.driver.unmap("vfio", 0x3000, 0x2000);
        int did = rig.driver.domainId("vfio");
        // pfn 3, 2 pages: ≤6.9 AM 1 and ADDR aligned down to 0x2000 (the block misses pfn 4);
        // 6.10+ calculate_psi_aligned_address: pfn 3 and 4 agree from bit 3, AM 3, ADDR 0
        PasidIotlbInvalidation expected = p == DriverPreset.LINUX_6_1
            ? PasidIotlbInvalidation.page(did, 0, 0x2000, 1, true)
            : PasidIotlbInvalidation.page(did, 0, 0, 3, true);
        assertThat(rig.executed()).first().as("%s", p).isEqualTo(expected);
      }
    }
  }

  @Test
  void firstStageOneGigabytePagesWithFs1gp() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), smFsts())) {
      rig.driver.attach(DEV, "vfio");
      rig.driver.map("vfio", 0x4000_0000L, 0x4000_0000L, 0x4000_0000L, true, false);
      TranslationResult r = rig.unit.translate(DEV.sid(), 0x4123_4567L, false);
      assertThat(r.ok()).as("%s", r).isTrue();
      assertThat(r.pageSize()).isEqualTo(1L << 30);
      assertThat(r.address()).isEqualTo(0x4123_4567L);
      long pdpte = q(rig, FirstStagePte.addressOf(q(rig, rig.driver.pageTableRoot("vfio")), 4, false) + 8);
      assertThat(FirstStagePte.decode(pdpte)).isEqualTo(
          new FirstStagePte(true, false, true, false, false, true, false, true, false, false, 0x4000_0000L));
    }
  }

  // ------------------------------------------------------------------ strict and lazy

  @Test
  void linux612FirstStageUnderCmKeepsTheFlushQueue() {
    DriverConfig lazy = DriverConfig.of(DriverPreset.LINUX_6_12).withDmaMode(DmaMode.LAZY);
    try (Rig rig = booted(lazy, smFsts())) {
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      rig.resetRecording();
      rig.driver.unmapSingle(DEV, iova, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.executed()).isEmpty();
      assertThat(rig.driver.pendingLazyIovas()).containsExactly(iova & ~0xFFFL);
      rig.clock.advance(10_000_000L);
      // the flush-all of a first-stage domain: PASID-selective PASID-based IOTLB
      assertThat(rig.invalidations()).containsExactly(PasidIotlbInvalidation.pasid(2, 0).describe());
      assertThat(rig.driver.pendingLazyIovas()).isEmpty();
    }
    // a second-stage unit under CM: 6.12 still forces strict
    try (Rig rig = booted(lazy, sm())) {
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      rig.resetRecording();
      rig.driver.unmapSingle(DEV, iova, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.driver.pendingLazyIovas()).isEmpty();
      assertThat(rig.executed()).first().isEqualTo(psi(rig, 2, iova & ~0xFFFL, 0));
    }
  }

  @Test
  void linux61UnderCmForcesStrictEvenOnFirstStage() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_1).withDmaMode(DmaMode.LAZY), smFsts())) {
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      rig.resetRecording();
      rig.driver.unmapSingle(DEV, iova, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.driver.pendingLazyIovas()).isEmpty();
      assertThat(rig.executed()).first().isEqualTo(PasidIotlbInvalidation.page(2, 0, iova & ~0xFFFL, 0, true));
    }
  }

  // ------------------------------------------------------------------ which mode, which stage

  @Test
  void smOffRunsLegacyModeButKeepsThe256BitQueue() {
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12).withScalableMode(ScalableMode.OFF), sm())) {
      assertThat(rig.driver.scalableMode()).isFalse();
      long rtaddr = rig.bus.read64(Registers.DEFAULT_BASE + Registers.RTADDR);
      assertThat(RootTableAddress.decode(rtaddr).mode()).isEqualTo(RootTableAddress.Mode.LEGACY);
      // __dmar_enable_qi tests ecap_smts, not sm_supported
      assertThat(InvalidationQueueRegisters.is256(rig.bus.read64(Registers.DEFAULT_BASE + Registers.IQA))).isTrue();
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.unit.translate(DEV.sid(), iova, false).address()).isEqualTo(GPA);
    }
  }

  @Test
  void erasWithoutScalableModeOrWithItOffByDefault() {
    // 4.10 knows no scalable mode: legacy tables, 128-bit queue
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_4_10), sm())) {
      assertThat(rig.driver.scalableMode()).isFalse();
      assertThat(InvalidationQueueRegisters.is256(rig.bus.read64(Registers.DEFAULT_BASE + Registers.IQA))).isFalse();
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.unit.translate(DEV.sid(), iova, false).address()).isEqualTo(GPA);
    }
    // 5.10: scalable mode only with intel_iommu=sm_on
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_5_10), sm())) {
      assertThat(rig.driver.scalableMode()).isFalse();
      assertThat(rig.driver.domainId("default:" + DEV)).as("5.x legacy mode: DID 1 is free").isEqualTo(1);
    }
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_5_10).withScalableMode(ScalableMode.ON), sm())) {
      assertThat(rig.driver.scalableMode()).isTrue();
      // 5.10's second-level RID2PASID entry sets SRE
      PasidTableEntry pe = rig.driver.attachedPasidEntry(DEV);
      assertThat(pe.pgtt()).isEqualTo(PasidGranularTranslationType.SECOND_STAGE);
      assertThat(pe.sre()).isTrue();
      // 5.x reserves FLPT_DEFAULT_DID (1) in scalable mode
      assertThat(pe.did()).isEqualTo(2);
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.unit.translate(DEV.sid(), iova, false).address()).isEqualTo(GPA);
    }
  }

  @Test
  void linux510FirstLevelNeedsSupervisorRequests() {
    // ≤5.12 the first-level RID2PASID entry asks for SRE; QEMU's fsts unit has no ECAP.SRS
    Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_5_10).withScalableMode(ScalableMode.ON), smFsts());
    try (rig) {
      assertThatThrownBy(() -> rig.driver.boot(List.of(DEV))).isInstanceOf(DriverException.class)
          .hasMessageContaining("No supervisor request support");
    }
  }

  @Test
  void bothStagesOfferedFirstStageForDmaSecondForIommuApiDomains() {
    VtdConfig both = sm().withEcap(io.vtdsim.emu.spec.ExtendedCapability.decode(sm().ecap().encode() | (1L << 47)));
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), both)) {
      assertThat(rig.driver.domainStage("default:" + DEV)).isEqualTo(TranslationStage.FIRST);
      rig.driver.attach(DEV, "vfio");
      assertThat(rig.driver.domainStage("vfio")).isEqualTo(TranslationStage.SECOND);
      rig.driver.map("vfio", 0x10_0000L, 0x60_0000L, 0x1000, true, true);
      assertThat(rig.unit.translate(DEV.sid(), 0x10_0123L, true).address()).isEqualTo(0x60_0123L);
    }
    // 5.10 (sm_on) used the first level for every domain
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_5_10).withScalableMode(ScalableMode.ON), both)) {
      rig.driver.attach(DEV, "vfio");
      assertThat(rig.driver.domainStage("vfio")).isEqualTo(TranslationStage.FIRST);
    }
  }

  @Test
  void fiveLevelFirstStageNeedsFl5lp() {
    // the fsts CAP widened to aw 57: SAGAW 39|48|57, no FL5LP
    VtdConfig aw57 = VtdConfig.preset("qemu-11.1-sm-fsts", 57);
    // 5.18 takes the AGAW from CAP.SAGAW: 57 bits, a 5-level first stage the unit can not walk
    try (Rig rig = new Rig(DriverConfig.of(DriverPreset.LINUX_5_18), aw57)) {
      assertThatThrownBy(() -> rig.driver.boot(List.of(DEV))).isInstanceOf(DriverException.class)
          .hasMessageContaining("5-level");
    }
    // 6.0+ __iommu_calculate_sagaw: an FSTS-only unit without FL5LP offers 48 bits: 4 levels
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), aw57)) {
      assertThat(rig.driver.agaw()).isEqualTo(2);
      assertThat(rig.driver.attachedPasidEntry(DEV).firstStageLevels()).isEqualTo(4);
    }
    VtdConfig fl5 = aw57.withCap(aw57.cap().toBuilder().fl5lp(true).build());
    try (Rig rig = booted(DriverConfig.of(DriverPreset.LINUX_6_12), fl5)) {
      PasidTableEntry pe = rig.driver.attachedPasidEntry(DEV);
      assertThat(pe.firstStageLevels()).isEqualTo(5);
      assertThat(pe.fspm()).isEqualTo(PasidTableEntry.FSPM_5_LEVEL);
      long iova = rig.driver.mapSingle(DEV, GPA, 0x100, Direction.BIDIRECTIONAL);
      assertThat(rig.unit.translate(DEV.sid(), iova, true).address()).isEqualTo(GPA);
    }
  }
}
