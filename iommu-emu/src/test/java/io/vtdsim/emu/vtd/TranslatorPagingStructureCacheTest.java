package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.G1;
import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static io.vtdsim.emu.vtd.TranslatorFixture.M2;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SecondLevelPte;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The paging-structure caches (VT-d spec 6.2.4): non-leaf entries (PML5E, PML4E, PDPE, PDE) tagged
 * by DID, level and the IOVA bits above the entry's span, filled by walks, used to start later
 * walks below the deepest match, and emptied only by IOTLB invalidations (spec 6.5.2.3): PSI with
 * IH=0 drops the entries whose span overlaps the range, IH=1 keeps them, DSI / global drop the
 * domain's / all; context-cache invalidations (spec 6.5.1) do not touch them.
 *
 * <p>Layout (4-level, aw 48): A and A2 sit in the first 2 MiB, so one PML4E (index 0), one PDPE
 * (index 0) and one PDE (index 0) lead to their level-1 table T1.
 */
class TranslatorPagingStructureCacheTest {
  private static final int SID = 0x0100;
  private static final int DID = 9;
  private static final long A = 0x10_5000L; // PTE index 0x105 of T1
  private static final long A2 = 0x10_6000L; // never translated before the PDE changes
  private static final long OLD = 0x7_0000L;
  private static final long OLD2 = 0x7_1000L;
  private static final long NEW = 0x9_0000L;
  private static final long NEW2 = 0x9_1000L;
  private static final long RW = SecondLevelPte.R | SecondLevelPte.W;

  private final TranslatorFixture f = TranslatorFixture.qemu(48);
  private final long top = f.tables.multiLevelContext(SID, DID, 2);

  private long pde(long iova) {
    return f.tables.memory().read64(f.tables.entryAddress(top, 4, iova, 2));
  }

  /**
   * Maps A → OLD and A2 → OLD2 in T1, translates A (caching the PML4E, PDPE and PDE), then points
   * the PDE at a new table T2 (A → NEW, A2 → NEW2) in guest memory without any invalidation.
   */
  private void cacheThenRepointThePde() {
    f.tables.map(top, 4, A, OLD, K4, true, true);
    f.tables.map(top, 4, A2, OLD2, K4, true, true);
    assertThat(f.read(SID, A).address()).isEqualTo(OLD);
    long t2 = f.tables.allocPage();
    f.tables.setEntry(top, 4, A, 2, t2 | RW);
    f.tables.setEntry(top, 4, A, 1, NEW | RW);
    f.tables.setEntry(top, 4, A2, 1, NEW2 | RW);
  }

  @Test
  void aWalkCachesEachNonLeafEntryOnItsPath() {
    f.tables.map(top, 4, A, OLD, K4, true, true);
    f.read(SID, A);
    assertThat(f.translator.pagingStructureCacheSize()).as("PML4E, PDPE, PDE").isEqualTo(3);
    assertThat(f.translator.iotlbSize()).as("the leaf goes to the IOTLB").isEqualTo(1);

    f.read(SID, A);
    assertThat(f.translator.pagingStructureCacheSize()).as("an IOTLB hit reads no table").isEqualTo(3);
  }

  @Test
  void aSuperpageLeafIsNotAPagingStructureEntry() {
    f.tables.map(top, 4, 4 * M2, 8 * M2, M2, true, true);
    f.read(SID, 4 * M2);
    assertThat(f.translator.pagingStructureCacheSize()).as("PML4E and PDPE; the 2 MiB PDE is a leaf").isEqualTo(2);
  }

  @Test
  void threeAndFiveLevelWalksCacheTwoAndFourEntries() {
    TranslatorFixture g39 = TranslatorFixture.qemu(39);
    long t39 = g39.tables.multiLevelContext(SID, DID, 1);
    g39.tables.map(t39, 3, A, OLD, K4, true, true);
    assertThat(g39.read(SID, A).address()).isEqualTo(OLD);
    assertThat(g39.translator.pagingStructureCacheSize()).as("PDPE, PDE").isEqualTo(2);

    TranslatorFixture g57 = new TranslatorFixture(VtdConfig.preset("bare-metal", 57));
    long t57 = g57.tables.multiLevelContext(SID, DID, 3);
    long high = 0x1_2345_6789_A000L; // a 57-bit IOVA: the PML5E index is not 0
    g57.tables.map(t57, 5, high, OLD, K4, true, true);
    assertThat(g57.read(SID, high).address()).isEqualTo(OLD);
    assertThat(g57.translator.pagingStructureCacheSize()).as("PML5E, PML4E, PDPE, PDE").isEqualTo(4);
  }

  @Test
  void aNonLeafEntryChangedWithoutInvalidationIsStillWalkedThrough() {
    cacheThenRepointThePde();

    TranslationResult r = f.read(SID, A2 + 0x20);
    assertThat(r.cached()).as("an IOTLB miss: a walk, from the cached PDE").isFalse();
    assertThat(r.address()).isEqualTo(OLD2 + 0x20);
    assertThat(f.read(SID, A).address()).as("the leaf of A is still in the IOTLB").isEqualTo(OLD);
  }

  @Test
  void psiWithoutHintOverTheRangeDropsThePde() {
    cacheThenRepointThePde();
    f.translator.invalidateIotlbPage(DID, A2, 0, false);
    assertThat(f.translator.pagingStructureCacheSize()).isZero();
    assertThat(f.read(SID, A2).address()).isEqualTo(NEW2);
  }

  @Test
  void psiWithoutHintOutsideThePdeSpanDropsOnlyTheEntriesThatSpanIt() {
    cacheThenRepointThePde();
    // 4 MiB: same PML4E (512 GiB) and PDPE (1 GiB) spans, another PDE's 2 MiB
    f.translator.invalidateIotlbPage(DID, 2 * M2, 0, false);
    assertThat(f.translator.pagingStructureCacheSize()).as("the PDE stays").isEqualTo(1);
    assertThat(f.read(SID, A2).address()).isEqualTo(OLD2);
    // another domain's PSI never matches (spec 6.5.2.3: within the domain)
    f.translator.invalidateIotlbPage(DID + 1, A2, 0, false);
    assertThat(f.translator.pagingStructureCacheSize()).isEqualTo(1);
  }

  @Test
  void psiWithHintKeepsEveryPagingStructureEntryButDropsTheLeaves() {
    cacheThenRepointThePde();
    // AM 27: the 512 GiB block at 0, which every cached entry's span overlaps
    f.translator.invalidateIotlbPage(DID, 0, 27, true);
    assertThat(f.translator.iotlbSize()).isZero();
    assertThat(f.translator.pagingStructureCacheSize()).isEqualTo(3);
    assertThat(f.read(SID, A).address()).as("re-walked through the stale PDE to T1").isEqualTo(OLD);
    assertThat(f.log.eventsOfKind(Translator.EV_CACHE_INVALIDATE))
        .extracting(e -> e.attrs().get("cache")).as("IH=1 does not invalidate the paging-structure cache")
        .containsExactly("iotlb");
  }

  /**
   * A driver frees the level-1 table T1 of A (clears A's PTE and PDE), flushes with IH=1 although
   * a table page went away, and reuses T1 as the level-1 table of B (same PTE index): a device
   * using A then reaches B's page through the stale cached PDE, until a PSI without IH or a DSI.
   */
  @Test
  void aTablePageFreedUnderIh1StaysReachableUntilADsi() {
    long reused = freeTheTableOfA();
    f.translator.invalidateIotlbPage(DID, A, 0, true);
    reuseAsTheTableOfB(reused);

    TranslationResult r = f.read(SID, A + 0x40);
    assertThat(r.ok()).isTrue();
    assertThat(r.address()).as("B's page, through the freed table").isEqualTo(NEW + 0x40);

    f.translator.invalidateIotlbDomain(DID);
    assertThat(f.read(SID, A + 0x40).fault()).isEqualTo(FaultReason.READ_DENIED);
  }

  @Test
  void aTablePageFreedUnderIh0IsNotReachedAgain() {
    long reused = freeTheTableOfA();
    f.translator.invalidateIotlbPage(DID, A, 0, false);
    reuseAsTheTableOfB(reused);

    TranslationResult r = f.read(SID, A + 0x40);
    assertThat(r.cached()).isFalse();
    assertThat(r.fault()).as("the re-walk meets the cleared PDE").isEqualTo(FaultReason.READ_DENIED);
  }

  /** Maps A → OLD, translates it, then clears A's PTE and PDE; returns the freed table T1. */
  private long freeTheTableOfA() {
    f.tables.map(top, 4, A, OLD, K4, true, true);
    assertThat(f.read(SID, A).address()).isEqualTo(OLD);
    long t1 = SecondLevelPte.addressOf(pde(A));
    f.tables.unmap(top, 4, A, K4);
    f.tables.setEntry(top, 4, A, 2, 0);
    return t1;
  }

  /** B = 4 GiB + A's offset in its 2 MiB: a PDE of its own, the same PTE index 0x105 as A. */
  private void reuseAsTheTableOfB(long page) {
    long b = 4 * G1 + A;
    f.tables.map(top, 4, b, OLD2, K4, true, true); // builds B's path
    f.tables.setEntry(top, 4, b, 2, page | RW);
    f.tables.setEntry(top, 4, b, 1, NEW | RW);
  }

  @Test
  void cachedEntriesCarryTheAccumulatedPermissions() {
    f.tables.map(top, 4, A, OLD, K4, true, true);
    f.tables.map(top, 4, A2, OLD2, K4, true, true);
    f.tables.setEntry(top, 4, A, 2, SecondLevelPte.addressOf(pde(A)) | SecondLevelPte.R); // read-only PDE
    assertThat(f.write(SID, A).fault()).isEqualTo(FaultReason.WRITE_DENIED);

    f.tables.setEntry(top, 4, A, 2, SecondLevelPte.addressOf(pde(A)) | RW); // no invalidation
    assertThat(f.write(SID, A2).fault()).as("the cached PDE is still read-only").isEqualTo(FaultReason.WRITE_DENIED);
    assertThat(f.read(SID, A2).address()).isEqualTo(OLD2);

    f.translator.invalidateIotlbPage(DID, A2, 0, false);
    assertThat(f.write(SID, A2).ok()).isTrue();
  }

  @Test
  void entriesWithReservedBitsAreNotCached() {
    f.tables.map(top, 4, A, OLD, K4, true, true);
    long pde = pde(A);
    f.tables.setEntry(top, 4, A, 2, pde | SecondLevelPte.SNP); // reserved without ECAP.SC
    assertThat(f.read(SID, A).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    assertThat(f.translator.pagingStructureCacheSize()).as("PML4E, PDPE").isEqualTo(2);

    f.tables.setEntry(top, 4, A, 2, pde);
    assertThat(f.read(SID, A).address()).isEqualTo(OLD);
  }

  @Test
  void entriesAreTaggedByDomainSoAnotherDeviceOfTheDomainWalksThroughThem() {
    // spec 6.2.4: tagged by DID, not by source-id — software gives one domain one set of tables
    int other = 0x0200;
    long otherTop = f.tables.multiLevelContext(other, DID, 2);
    f.tables.map(otherTop, 4, A2, NEW2, K4, true, true);
    f.tables.map(top, 4, A, OLD, K4, true, true);
    f.tables.map(top, 4, A2, OLD2, K4, true, true);
    f.read(SID, A);

    assertThat(f.read(other, A2).address()).isEqualTo(OLD2);
  }

  @Test
  void domainSelectiveDropsOnlyThatDomainsEntries() {
    int other = 0x0200;
    long otherTop = f.tables.multiLevelContext(other, DID + 1, 2);
    f.tables.map(otherTop, 4, A, NEW, K4, true, true);
    f.read(other, A);
    cacheThenRepointThePde();
    assertThat(f.translator.pagingStructureCacheSize()).isEqualTo(6);

    f.translator.invalidateIotlbDomain(DID);

    assertThat(f.translator.pagingStructureCacheSize()).isEqualTo(3);
    assertThat(f.read(SID, A2).address()).isEqualTo(NEW2);
    Event ps = f.log.eventsOfKind(Translator.EV_CACHE_INVALIDATE).get(1);
    assertThat(ps.attrs()).containsEntry("cache", "paging-structure").containsEntry("scope", "domain")
        .containsEntry("did", DID).containsEntry("dropped", 3);
  }

  @Test
  void globalInvalidationAndResetDropEverything() {
    cacheThenRepointThePde();
    f.translator.invalidateIotlbGlobal();
    assertThat(f.translator.pagingStructureCacheSize()).isZero();
    assertThat(f.read(SID, A2).address()).isEqualTo(NEW2);

    f.translator.resetCaches();
    assertThat(f.translator.pagingStructureCacheSize()).isZero();
    List<Event> inv = f.log.eventsOfKind(Translator.EV_CACHE_INVALIDATE);
    assertThat(inv).extracting(e -> e.attrs().get("cache") + " " + e.attrs().get("scope") + " " + e.attrs().get("dropped"))
        .containsExactly("iotlb global 1", "paging-structure global 3",
            "context reset 1", "iotlb reset 1", "paging-structure reset 3");
  }

  @Test
  void contextCacheInvalidationsLeaveThePagingStructureEntries() {
    cacheThenRepointThePde();
    f.translator.invalidateContextGlobal();
    f.translator.invalidateContextDomain(DID);
    f.translator.invalidateContextDevice(SID, 0);
    assertThat(f.translator.pagingStructureCacheSize()).isEqualTo(3);
    assertThat(f.read(SID, A2).address()).isEqualTo(OLD2);
  }

  @Test
  void aFullCacheIsClearedBeforeTheNextFill() {
    TranslatorFixture g = new TranslatorFixture(VtdConfig.qemu72().withPagingStructureCacheCapacity(4));
    long t = g.tables.multiLevelContext(SID, DID, 2);
    long far = 3 * G1; // same PML4E, another PDPE and PDE
    g.tables.map(t, 4, A, OLD, K4, true, true);
    g.tables.map(t, 4, A2, OLD2, K4, true, true);
    g.tables.map(t, 4, far, NEW, K4, true, true);
    g.read(SID, A);
    assertThat(g.translator.pagingStructureCacheSize()).isEqualTo(3);

    g.read(SID, far); // starts below the cached PML4E: PDPE (4th entry), then PDE → full → cleared
    assertThat(g.translator.pagingStructureCacheSize()).isEqualTo(1);

    g.tables.setEntry(t, 4, A, 2, 0);
    assertThat(g.read(SID, A2).fault()).as("A's PDE was evicted: the walk sees the cleared PDE")
        .isEqualTo(FaultReason.READ_DENIED);
  }
}
