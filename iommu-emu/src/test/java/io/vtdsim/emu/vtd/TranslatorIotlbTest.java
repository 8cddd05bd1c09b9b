package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static io.vtdsim.emu.vtd.TranslatorFixture.M2;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.FaultReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The IOTLB (VT-d spec 6.2.3, 6.5.2): leaf translations tagged by DID, page and level, stale until
 * the right invalidation — PSI (naturally aligned 2^AM-page block, low address bits ignored,
 * spec 6.5.2.3), DSI, global.
 */
class TranslatorIotlbTest {
  private static final int SID = 0x0100; // 01:00.0
  private static final int DID = 9;
  private static final long IOVA = 0x10_5000L; // page 0x105 of the block 0x100..0x107 (AM 3)
  private static final long OLD = 0x7_0000L;
  private static final long NEW = 0x9_0000L;

  private final TranslatorFixture f = TranslatorFixture.qemu(48);
  private final long top = f.tables.multiLevelContext(SID, DID, 2);

  /** Caches IOVA → OLD, then changes the PTE to NEW in guest memory without invalidating. */
  private void cacheThenRemap() {
    f.tables.map(top, 4, IOVA, OLD, K4, true, true);
    assertThat(f.read(SID, IOVA + 0x10).cached()).isFalse();
    f.tables.map(top, 4, IOVA, NEW, K4, true, true);
  }

  private long translated() {
    return f.read(SID, IOVA + 0x10).address();
  }

  @Test
  void changedPteStillTranslatesTheOldWayUntilInvalidated() {
    cacheThenRemap();
    TranslationResult r = f.read(SID, IOVA + 0x10);
    assertThat(r.cached()).isTrue();
    assertThat(r.address()).isEqualTo(OLD + 0x10);

    f.translator.invalidateIotlbPage(DID, IOVA, 0, false);

    TranslationResult after = f.read(SID, IOVA + 0x10);
    assertThat(after.cached()).isFalse();
    assertThat(after.address()).isEqualTo(NEW + 0x10);
  }

  @Test
  void psiOfAnotherPageOrDomainOrOutsideTheBlockKeepsTheEntry() {
    cacheThenRemap();
    f.translator.invalidateIotlbPage(DID, IOVA + K4, 0, false);
    f.translator.invalidateIotlbPage(DID + 1, IOVA, 0, false);
    f.translator.invalidateIotlbPage(DID, 0x10_8000L, 3, false); // block 0x108000..0x10ffff
    f.translator.invalidateIotlbPage(DID, 0x10_0000L, 2, false); // block 0x100000..0x103fff
    assertThat(translated()).isEqualTo(OLD + 0x10);
  }

  @Test
  void psiIgnoresTheLowAddressBitsOfAnUnalignedAddress() {
    cacheThenRemap();
    // AM 3 with ADDR 0x101000: the block is 0x100000..0x107fff, which holds 0x105000
    f.translator.invalidateIotlbPage(DID, 0x10_1000L, 3, false);
    assertThat(translated()).isEqualTo(NEW + 0x10);
  }

  @Test
  void psiDropsASuperpageEntryOverlappingTheBlock() {
    f.tables.map(top, 4, M2, 8 * M2, M2, true, true);
    assertThat(f.read(SID, M2 + 0x1000).cached()).isFalse();
    assertThat(f.read(SID, M2 + 0x1F_F000L).cached()).as("one entry serves the whole 2 MiB").isTrue();
    f.tables.map(top, 4, M2, 9 * M2, M2, true, true);

    f.translator.invalidateIotlbPage(DID, M2 + 0x4_5000L, 0, false); // one 4 KiB page inside it

    assertThat(f.read(SID, M2 + 0x1000).address()).isEqualTo(9 * M2 + 0x1000);
  }

  @Test
  void invalidationHintStillDropsTheLeaf() {
    // spec 6.5.2.3: IH=1 lets paging-structure entries stay; the range's IOTLB entries still go
    // (what IH keeps is in TranslatorPagingStructureCacheTest)
    cacheThenRemap();
    f.translator.invalidateIotlbPage(DID, IOVA, 0, true);
    assertThat(translated()).isEqualTo(NEW + 0x10);
  }

  @Test
  void domainSelectiveDropsOnlyThatDomain() {
    int other = 0x0200;
    long otherTop = f.tables.multiLevelContext(other, DID + 1, 2);
    f.tables.map(otherTop, 4, IOVA, OLD, K4, true, true);
    f.read(other, IOVA);
    cacheThenRemap();
    f.tables.map(otherTop, 4, IOVA, NEW, K4, true, true);

    f.translator.invalidateIotlbDomain(DID);

    assertThat(translated()).isEqualTo(NEW + 0x10);
    assertThat(f.read(other, IOVA).address()).as("DID+1 still stale").isEqualTo(OLD);
  }

  @Test
  void globalDropsEverything() {
    cacheThenRemap();
    f.translator.invalidateIotlbGlobal();
    assertThat(f.translator.iotlbSize()).isZero();
    assertThat(translated()).isEqualTo(NEW + 0x10);
  }

  @Test
  void contextInvalidationDoesNotTouchTheIotlb() {
    // spec 6.5.1: software follows a context-cache invalidation with an IOTLB DSI; the context
    // invalidation alone leaves IOTLB entries in place
    cacheThenRemap();
    f.translator.invalidateContextGlobal();
    assertThat(f.translator.iotlbSize()).isEqualTo(1);
    assertThat(translated()).isEqualTo(OLD + 0x10);
  }

  @Test
  void writeToACachedReadOnlyEntryIsACachedWriteFault() {
    f.tables.map(top, 4, IOVA, OLD, K4, true, false);
    f.read(SID, IOVA);
    TranslationResult w = f.write(SID, IOVA);
    assertThat(w.fault()).isEqualTo(FaultReason.WRITE_DENIED);
    assertThat(w.cached()).isTrue();
  }

  @Test
  void writeFaultOnAReadOnlyWalkCachesTheReadOnlyLeaf() {
    f.tables.map(top, 4, IOVA, OLD, K4, true, false);
    assertThat(f.write(SID, IOVA).cached()).isFalse();
    TranslationResult r = f.read(SID, IOVA);
    assertThat(r.cached()).isTrue();
    assertThat(r.write()).isFalse();
  }

  @Test
  void fullIotlbIsClearedBeforeTheNextFillAsQemu() {
    TranslatorFixture g = new TranslatorFixture(TranslatorFixture.withCapacities(VtdConfig.qemu72(), 4, 16));
    long t = g.tables.multiLevelContext(SID, DID, 2);
    for (int i = 0; i < 5; i++) g.tables.map(t, 4, i * K4, (16 + i) * K4, K4, true, true);
    for (int i = 0; i < 4; i++) g.read(SID, i * K4);
    assertThat(g.translator.iotlbSize()).isEqualTo(4);

    g.read(SID, 4 * K4);

    assertThat(g.translator.iotlbSize()).isEqualTo(1);
    assertThat(g.read(SID, 0).cached()).isFalse();
    assertThat(g.read(SID, 4 * K4).cached()).isTrue();
  }

  @Test
  void translateAndInvalidationsAreEvents() {
    f.tables.map(top, 4, IOVA, OLD, K4, true, true);
    f.read(SID, IOVA);
    f.write(SID, IOVA);
    f.read(SID, 0x1_0000_0000L);
    f.translator.invalidateIotlbPage(DID, IOVA, 0, false);

    List<Event> tr = f.log.eventsOfKind(Translator.EV_TRANSLATE);
    assertThat(tr).hasSize(3);
    assertThat(tr.get(0).attrs()).containsEntry("sid", SID).containsEntry("iova", IOVA)
        .containsEntry("write", false).containsEntry("result", "ok").containsEntry("cached", false);
    assertThat(tr.get(1).attrs()).containsEntry("write", true).containsEntry("cached", true);
    assertThat(tr.get(2).attrs()).containsEntry("result", "READ_DENIED");
    assertThat(f.translator.iotlbSize()).isEqualTo(1);
    List<Event> inv = f.log.eventsOfKind(Translator.EV_CACHE_INVALIDATE);
    assertThat(inv).hasSize(2);
    assertThat(inv.get(0).attrs()).containsEntry("cache", "iotlb").containsEntry("scope", "page")
        .containsEntry("dropped", 1) // the leaf of IOVA; the negative entry of another page stays
        .containsEntry("did", DID).containsEntry("am", 0);
    // IH=0 (spec 6.5.2.3): the PML4E, PDPE and PDE on IOVA's path all span it
    assertThat(inv.get(1).attrs()).containsEntry("cache", "paging-structure").containsEntry("scope", "page")
        .containsEntry("dropped", 3).containsEntry("did", DID).containsEntry("ih", false);
  }
}
