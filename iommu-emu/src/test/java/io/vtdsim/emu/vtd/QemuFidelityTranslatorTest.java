package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The translation-side differences between {@code machine.fidelity} strict and qemu: QEMU has no
 * paging-structure cache and no negative caching, and its IOTLB is keyed by source-id and looked up
 * before the context cache (hw/i386/intel_iommu.c vtd_do_iommu_translate, vtd_lookup_iotlb). Both
 * QEMU versions (7.2 and 11.1) behave alike here; every case runs for both.
 */
class QemuFidelityTranslatorTest {
  private static final int SID = 0x0100; // 01:00.0
  private static final int SID2 = 0x0108; // 01:01.0, same domain
  private static final int DID = 9;
  private static final int DID2 = 10;
  private static final long A = 0x10_5000L;
  private static final long A2 = 0x10_6000L;
  private static final long OLD = 0x7_0000L;
  private static final long OLD2 = 0x7_1000L;
  private static final long NEW = 0x9_0000L;
  private static final long NEW2 = 0x9_1000L;
  private static final long RW = SecondLevelPte.R | SecondLevelPte.W;

  private static TranslatorFixture fixture(String preset, Fidelity fidelity) {
    return new TranslatorFixture(VtdConfig.preset(preset, 48, fidelity));
  }

  /** Translates A (caching the path), then points its PDE at a new table in memory, no invalidation. */
  private static long cacheThenRepointThePde(TranslatorFixture f) {
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, A, OLD, K4, true, true);
    f.tables.map(top, 4, A2, OLD2, K4, true, true);
    assertThat(f.read(SID, A).address()).isEqualTo(OLD);
    long t2 = f.tables.allocPage();
    f.tables.setEntry(top, 4, A, 2, t2 | RW);
    f.tables.setEntry(top, 4, A, 1, NEW | RW);
    f.tables.setEntry(top, 4, A2, 1, NEW2 | RW);
    return top;
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void strictKeepsWalkingThroughTheCachedPdeAndQemuWalksAfresh(String preset) {
    TranslatorFixture strict = fixture(preset, Fidelity.STRICT);
    cacheThenRepointThePde(strict);
    assertThat(strict.read(SID, A2).address()).as("strict: the cached PDE still leads to the old table").isEqualTo(OLD2);

    TranslatorFixture qemu = fixture(preset, Fidelity.QEMU);
    cacheThenRepointThePde(qemu);
    assertThat(qemu.translator.pagingStructureCacheSize()).isZero();
    assertThat(qemu.read(SID, A2).address()).as("qemu: no paging-structure cache").isEqualTo(NEW2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void psiWithIh1KeepsPagingStructuresOnlyUnderStrict(String preset) {
    TranslatorFixture strict = fixture(preset, Fidelity.STRICT);
    cacheThenRepointThePde(strict);
    strict.translator.invalidateIotlbPage(DID, A, 0, true);
    assertThat(strict.read(SID, A).address()).as("strict: IH=1 keeps the PDE").isEqualTo(OLD);

    TranslatorFixture qemu = fixture(preset, Fidelity.QEMU);
    cacheThenRepointThePde(qemu);
    qemu.translator.invalidateIotlbPage(DID, A, 0, true);
    assertThat(qemu.read(SID, A).address()).as("qemu: IH=1 acts as IH=0").isEqualTo(NEW);
    assertThat(qemu.log.eventsOfKind(Translator.EV_CACHE_INVALIDATE))
        .noneMatch(e -> "paging-structure".equals(e.attrs().get("cache")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void aClearedContextEntryWithOnlyAContextFlushStillTranslatesUnderQemu(String preset) {
    for (Fidelity fidelity : Fidelity.values()) {
      TranslatorFixture f = fixture(preset, fidelity);
      long top = f.tables.multiLevelContext(SID, DID, 2);
      f.tables.map(top, 4, A, OLD, K4, true, true);
      assertThat(f.read(SID, A).ok()).isTrue();
      f.tables.clearContext(SID);
      f.translator.invalidateContextDevice(SID, 0);

      TranslationResult r = f.read(SID, A);
      if (fidelity == Fidelity.STRICT) {
        assertThat(r.fault()).isEqualTo(FaultReason.CONTEXT_NOT_PRESENT);
      } else {
        assertThat(r.ok()).isTrue();
        assertThat(r.cached()).isTrue();
        assertThat(r.address()).isEqualTo(OLD);
        assertThat(r.did()).as("the DID the entry was filled under").isEqualTo(DID);
        // an IOTLB invalidation of that DID is what ends it
        f.translator.invalidateIotlbDomain(DID);
        assertThat(f.read(SID, A).fault()).isEqualTo(FaultReason.CONTEXT_NOT_PRESENT);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void aDidChangeWithOnlyAContextFlushKeepsTheOldDomainsEntryUnderQemu(String preset) {
    for (Fidelity fidelity : Fidelity.values()) {
      TranslatorFixture f = fixture(preset, fidelity);
      long top = f.tables.multiLevelContext(SID, DID, 2);
      f.tables.map(top, 4, A, OLD, K4, true, true);
      assertThat(f.read(SID, A).did()).isEqualTo(DID);
      // the device moves to DID2 over a new table mapping A elsewhere
      long top2 = f.tables.allocPage();
      f.tables.map(top2, 4, A, NEW, K4, true, true);
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL, top2, 2, DID2));
      f.translator.invalidateContextDevice(SID, 0);

      TranslationResult r = f.read(SID, A);
      if (fidelity == Fidelity.STRICT) {
        assertThat(r.address()).as("strict: DID2 has no IOTLB entry; a walk of the new table").isEqualTo(NEW);
        assertThat(r.did()).isEqualTo(DID2);
      } else {
        assertThat(r.address()).as("qemu: the source-id's old entry").isEqualTo(OLD);
        assertThat(r.did()).isEqualTo(DID);
        f.translator.invalidateIotlbDomain(DID2);
        assertThat(f.read(SID, A).address()).as("a DSI of the new DID does not reach it").isEqualTo(OLD);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void twoDevicesOfOneDomainShareIotlbEntriesOnlyUnderStrict(String preset) {
    for (Fidelity fidelity : Fidelity.values()) {
      TranslatorFixture f = fixture(preset, fidelity);
      long top = f.tables.multiLevelContext(SID, DID, 2);
      f.tables.context(SID2, new ContextEntry(true, false, TranslationType.MULTI_LEVEL, top, 2, DID));
      f.tables.map(top, 4, A, OLD, K4, true, true);
      assertThat(f.read(SID, A).cached()).isFalse();
      f.tables.map(top, 4, A, NEW, K4, true, true); // changed without invalidation

      TranslationResult other = f.read(SID2, A);
      if (fidelity == Fidelity.STRICT) {
        assertThat(other.cached()).isTrue();
        assertThat(other.address()).as("strict: the domain's entry").isEqualTo(OLD);
      } else {
        assertThat(other.cached()).isFalse();
        assertThat(other.address()).as("qemu: SID2 has its own (fresh) entry").isEqualTo(NEW);
        assertThat(f.translator.iotlbSize()).isEqualTo(2);
        // invalidations still select by DID: one PSI drops both devices' entries
        f.translator.invalidateIotlbPage(DID, A, 0, false);
        assertThat(f.translator.iotlbSize()).isZero();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void qemuCachesNoNotPresentResult(String preset) {
    for (Fidelity fidelity : Fidelity.values()) {
      TranslatorFixture f = fixture(preset, fidelity);
      long top = f.tables.multiLevelContext(SID, DID, 2);
      f.tables.map(top, 4, 0x1000, 0x5000, K4, true, true);
      assertThat(f.read(SID, A).fault()).isEqualTo(FaultReason.READ_DENIED);
      f.tables.map(top, 4, A, OLD, K4, true, true); // mapped, not invalidated

      TranslationResult r = f.read(SID, A);
      assertThat(f.translator.negativeCaching()).isEqualTo(fidelity == Fidelity.STRICT);
      if (fidelity == Fidelity.STRICT) {
        assertThat(r.fault()).as("strict: the negative entry").isEqualTo(FaultReason.READ_DENIED);
      } else {
        assertThat(r.address()).isEqualTo(OLD);
      }
    }
  }
}
