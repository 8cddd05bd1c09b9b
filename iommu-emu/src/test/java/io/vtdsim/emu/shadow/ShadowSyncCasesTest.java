package io.vtdsim.emu.shadow;

import static io.vtdsim.emu.shadow.ShadowFixture.DEV;
import static io.vtdsim.emu.shadow.ShadowFixture.DID;
import static io.vtdsim.emu.shadow.ShadowFixture.LEVELS;
import static io.vtdsim.emu.shadow.ShadowFixture.PAGE;
import static io.vtdsim.emu.shadow.ShadowFixture.TWO_MIB;
import static io.vtdsim.emu.shadow.ShadowFixture.map;
import static io.vtdsim.emu.shadow.ShadowFixture.rw;
import static io.vtdsim.emu.shadow.ShadowFixture.unmap;
import static io.vtdsim.emu.shadow.ShadowFixture.unmapAllCalls;
import static io.vtdsim.emu.shadow.ShadowFixture.unmapped;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.SecondLevelPte;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The cases that separate the three strategies, each asserting the exact host
 * calls and the final host state. Expected behaviour: QEMU's vtd_page_walk / vtd_page_walk_one and
 * its IOVA tree (hw/i386/intel_iommu.c, and their history), vfio type1's vfio_dma_do_map/unmap rules
 * (drivers/vfio/vfio_iommu_type1.c) and the seed thread (psi-only ignores DSI).
 */
class ShadowSyncCasesTest {
  static final long IOVA = 0x1_0000L;
  static final long GPA = 0x4000_0000L;

  @Nested
  class FourKMapThenPsi {
    List<String> run(String strategy, ShadowFixture f) {
      f.map4k(IOVA, GPA);
      f.psi(IOVA, 0);
      return f.hostCalls();
    }

    @Test
    void everyStrategyMapsTheOnePage() {
      for (String s : ShadowSync.NAMES) {
        ShadowFixture f = new ShadowFixture(s).booted();
        assertThat(run(s, f)).as(s).containsExactly(map(IOVA, GPA, PAGE, "ok"));
        assertThat(f.host()).as(s).containsExactly(rw(IOVA, GPA, PAGE));
        // one PSI walk visits one entry per level of the 4-level table
        List<Event> walks = f.since(CachingModeShadow.WALK);
        assertThat(walks).as(s).hasSize(1);
        assertThat(walks.get(0).longAttr("entries")).isEqualTo(4);
        assertThat(walks.get(0).attrs()).containsEntry("reason", "psi").containsEntry("start", IOVA)
            .containsEntry("end", IOVA + PAGE);
      }
    }
  }

  @Nested
  class RangeUnmapFlushedWithDsi {
    ShadowFixture setUp(String s) {
      ShadowFixture f = new ShadowFixture(s).booted();
      for (int i = 0; i < 4; i++) {
        f.map4k(IOVA + i * PAGE, GPA + i * PAGE);
        f.psi(IOVA + i * PAGE, 0);
      }
      for (int i = 1; i < 4; i++) f.tables.unmap(f.slptptr, LEVELS, IOVA + i * PAGE, PAGE);
      f.markNow();
      f.dsi(DID);
      return f;
    }

    @Test
    void psiOnlyIgnoresTheDsiAndLeavesStaleMappings() {
      ShadowFixture f = setUp("psi-only");
      assertThat(f.hostCalls()).isEmpty();
      assertThat(f.host()).containsExactly(
          rw(IOVA, GPA, PAGE), rw(IOVA + PAGE, GPA + PAGE, PAGE),
          rw(IOVA + 2 * PAGE, GPA + 2 * PAGE, PAGE), rw(IOVA + 3 * PAGE, GPA + 3 * PAGE, PAGE));
    }

    @Test
    void unmapAllReplayUnmapsEverythingThenMapsWhatRemains() {
      ShadowFixture f = setUp("unmap-all-replay");
      List<String> expected = new ArrayList<>(unmapAllCalls(4 * PAGE));
      expected.add(map(IOVA, GPA, PAGE, "ok"));
      assertThat(f.hostCalls()).containsExactlyElementsOf(expected);
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
    }

    @Test
    void iovaTreeUnmapsOnlyTheRemovedPages() {
      ShadowFixture f = setUp("iova-tree");
      assertThat(f.hostCalls()).containsExactly(
          unmapped(IOVA + PAGE, PAGE, PAGE), unmapped(IOVA + 2 * PAGE, PAGE, PAGE),
          unmapped(IOVA + 3 * PAGE, PAGE, PAGE));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
      assertThat(f.since(CachingModeShadow.WALK)).singleElement()
          .satisfies(e -> assertThat(e.attrs()).containsEntry("reason", "dsi").containsEntry("start", 0L)
              .containsEntry("end", 1L << 48));
    }
  }

  @Nested
  class TwoPsisForTheSamePage {
    ShadowFixture run(String s) {
      ShadowFixture f = new ShadowFixture(s).booted();
      f.map4k(IOVA, GPA);
      f.psi(IOVA, 0);
      f.psi(IOVA, 0);
      return f;
    }

    @Test
    void psiOnlySendsTheDuplicateMapAndGetsEexist() {
      ShadowFixture f = run("psi-only");
      assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"), map(IOVA, GPA, PAGE, "EEXIST"));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
      assertThat(f.container.errorCount()).isEqualTo(1);
    }

    @Test
    void unmapAllReplaySendsTheDuplicateMapAndGetsEexist() {
      ShadowFixture f = run("unmap-all-replay");
      assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"), map(IOVA, GPA, PAGE, "EEXIST"));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
      assertThat(f.container.errorCount()).isEqualTo(1);
    }

    @Test
    void iovaTreeSkipsTheIdenticalMap() {
      ShadowFixture f = run("iova-tree");
      assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"));
      assertThat(f.container.errorCount()).isZero();
      assertThat(f.shadow.trackedMappings(DEV)).isEqualTo(1);
    }
  }

  @Nested
  class ChangedMappingForAPresentIova {
    static final long GPA2 = GPA + 0x10_0000L;

    ShadowFixture run(String s) {
      ShadowFixture f = new ShadowFixture(s).booted();
      f.map4k(IOVA, GPA);
      f.psi(IOVA, 0);
      f.map4k(IOVA, GPA2); // the guest rewrites a present PTE
      f.psi(IOVA, 0);
      return f;
    }

    @Test
    void psiOnlyGetsEexistAndKeepsTheOldTarget() {
      ShadowFixture f = run("psi-only");
      assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"), map(IOVA, GPA2, PAGE, "EEXIST"));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
    }

    @Test
    void unmapAllReplayGetsEexistAndKeepsTheOldTarget() {
      ShadowFixture f = run("unmap-all-replay");
      assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"), map(IOVA, GPA2, PAGE, "EEXIST"));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
    }

    @Test
    void iovaTreeUnmapsThenMapsTheNewTarget() {
      ShadowFixture f = run("iova-tree");
      assertThat(f.hostCalls()).containsExactly(
          map(IOVA, GPA, PAGE, "ok"), unmapped(IOVA, PAGE, PAGE), map(IOVA, GPA2, PAGE, "ok"));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA2, PAGE));
    }
  }

  /**
   * A 2 MiB superpage whose PDE the guest replaces by a table of 4 KiB PTEs (two of them present,
   * pointing elsewhere), flushed with one PSI over the 2 MiB. vfio-type1 then still holds the old 2
   * MiB mapping in every strategy — QEMU's known weak spot (vtd_page_walk_one's tree drops the 2 MiB
   * entry, while vfio_dma_do_unmap in drivers/vfio/vfio_iommu_type1.c refuses to bisect it): the 4
   * KiB UNMAPs would bisect it (EINVAL) and the 4 KiB MAPs overlap it (EEXIST).
   */
  @Nested
  class SuperpageReplacedBy4kPages {
    static final long SP = 0x20_0000L;
    static final long NEW = 0x5000_0000L;

    ShadowFixture run(String s) {
      ShadowFixture f = new ShadowFixture(s).booted();
      f.tables.map(f.slptptr, LEVELS, SP, GPA, TWO_MIB, true, true);
      f.psi(SP, 9);
      long pt = f.tables.allocPage();
      f.memory.write64(pt, SecondLevelPte.leaf(NEW, true, true).encode());
      f.memory.write64(pt + 8, SecondLevelPte.leaf(NEW + PAGE, true, true).encode());
      f.tables.setEntry(f.slptptr, LEVELS, SP, 2, pt | SecondLevelPte.R | SecondLevelPte.W);
      f.psi(SP, 9);
      return f;
    }

    @Test
    void psiOnlyGetsEexistForPresentPagesAndEinvalForEveryOtherSlot() {
      assertDirectWalkOutcome(run("psi-only"));
    }

    @Test
    void unmapAllReplayGetsEexistForPresentPagesAndEinvalForEveryOtherSlot() {
      assertDirectWalkOutcome(run("unmap-all-replay"));
    }

    private void assertDirectWalkOutcome(ShadowFixture f) {
      List<String> calls = f.hostCalls();
      assertThat(calls).hasSize(1 + 512);
      assertThat(calls.subList(0, 3)).containsExactly(
          map(SP, GPA, TWO_MIB, "ok"), map(SP, NEW, PAGE, "EEXIST"), map(SP + PAGE, NEW + PAGE, PAGE, "EEXIST"));
      for (int i = 2; i < 512; i++) {
        assertThat(calls.get(1 + i)).isEqualTo(unmap(SP + i * PAGE, PAGE, "EINVAL"));
      }
      assertThat(f.host()).containsExactly(rw(SP, GPA, TWO_MIB));
      assertThat(f.container.errorCount()).isEqualTo(512);
    }

    @Test
    void iovaTreeGetsEinvalOnTheBisectingUnmapThenEexist() {
      ShadowFixture f = run("iova-tree");
      assertThat(f.hostCalls()).containsExactly(
          map(SP, GPA, TWO_MIB, "ok"),
          unmap(SP, PAGE, "EINVAL"),
          map(SP, NEW, PAGE, "EEXIST"),
          map(SP + PAGE, NEW + PAGE, PAGE, "EEXIST"));
      // the host keeps the stale superpage while the tree believes the two 4 KiB pages are mapped
      assertThat(f.host()).containsExactly(rw(SP, GPA, TWO_MIB));
      assertThat(f.shadow.trackedMappings(DEV)).isEqualTo(2);
    }
  }

  /**
   * The guest clears the device's context entry (context-cache device invalidation + DSI of the old
   * DID), then sets it again with DID 2 and a new table holding one mapping (context-cache device
   * invalidation + DSI of DID 2), as Linux does when it moves a device between domains.
   */
  @Nested
  class ContextClearedThenSetWithAnotherDid {
    static final long NEW_IOVA = 0x2_0000L;
    static final long NEW_GPA = GPA + 0x2000;

    ShadowFixture run(String s) {
      ShadowFixture f = new ShadowFixture(s).booted();
      f.map4k(IOVA, GPA);
      f.psi(IOVA, 0);
      f.tables.clearContext(DEV.sid());
      f.contextDevice(DID);
      f.dsi(DID);
      long top = f.tables.multiLevelContext(DEV.sid(), 2, ShadowFixture.AGAW_48);
      f.tables.map(top, LEVELS, NEW_IOVA, NEW_GPA, PAGE, true, true);
      f.contextDevice(2);
      f.dsi(2);
      return f;
    }

    @Test
    void psiOnlyKeepsTheOldMappingAndNeverMapsTheNewOne() {
      ShadowFixture f = run("psi-only");
      assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"));
      assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
    }

    @Test
    void unmapAllReplayReplaysOnEveryContextAndDomainInvalidation() {
      ShadowFixture f = run("unmap-all-replay");
      List<String> expected = new ArrayList<>();
      expected.add(map(IOVA, GPA, PAGE, "ok"));
      expected.addAll(unmapAllCalls(PAGE)); // context cleared: replay = unmap all, nothing to map
      // the DSI of DID 1 matches no device any more (its context entry is gone)
      expected.addAll(unmapAllCalls()); // context set: replay
      expected.add(map(NEW_IOVA, NEW_GPA, PAGE, "ok"));
      expected.addAll(unmapAllCalls(PAGE)); // DSI of DID 2: replay again
      expected.add(map(NEW_IOVA, NEW_GPA, PAGE, "ok"));
      assertThat(f.hostCalls()).containsExactlyElementsOf(expected);
      assertThat(f.host()).containsExactly(rw(NEW_IOVA, NEW_GPA, PAGE));
    }

    @Test
    void iovaTreeUnmapsAllOnTheClearAndSyncsTheNewDomain() {
      ShadowFixture f = run("iova-tree");
      List<String> expected = new ArrayList<>();
      expected.add(map(IOVA, GPA, PAGE, "ok"));
      expected.addAll(unmapAllCalls(PAGE)); // context not present → vtd_address_space_unmap (c28b535d08)
      expected.add(map(NEW_IOVA, NEW_GPA, PAGE, "ok")); // device context invalidation → sync
      // the DSI of DID 2 finds everything identical: no host call
      assertThat(f.hostCalls()).containsExactlyElementsOf(expected);
      assertThat(f.host()).containsExactly(rw(NEW_IOVA, NEW_GPA, PAGE));
    }
  }

  /**
   * Pages just below and just above the interrupt window 0xFEE0_0000–0xFEEF_FFFF, then unmapped as
   * one range and flushed with one PSI of the aligned 4 MiB block 0xFEC0_0000 (AM 10). Slots inside
   * the window reach no notifier, so no host call ever touches it.
   */
  @Nested
  class UnmapAcrossTheInterruptWindow {
    static final long[] IOVAS = {0xFEDF_E000L, 0xFEDF_F000L, 0xFEF0_0000L, 0xFEF0_1000L};

    ShadowFixture run(String s) {
      ShadowFixture f = new ShadowFixture(s).booted();
      for (int i = 0; i < IOVAS.length; i++) {
        f.map4k(IOVAS[i], GPA + i * PAGE);
        f.psi(IOVAS[i], 0);
      }
      assertThat(f.host()).hasSize(4);
      f.markNow();
      for (long iova : IOVAS) f.tables.unmap(f.slptptr, LEVELS, iova, PAGE);
      f.psi(0xFEC0_0000L, 10);
      return f;
    }

    @Test
    void directStrategiesUnmapEverySlotOutsideTheWindow() {
      for (String s : List.of("psi-only", "unmap-all-replay")) {
        ShadowFixture f = run(s);
        List<String> calls = f.hostCalls();
        // two 2 MiB leaf tables of 512 slots; the 256 slots inside the window are dropped
        assertThat(calls).as(s).hasSize(512 + 256);
        assertThat(calls).as(s).contains(
            unmapped(IOVAS[0], PAGE, PAGE), unmapped(IOVAS[1], PAGE, PAGE),
            unmapped(IOVAS[2], PAGE, PAGE), unmapped(IOVAS[3], PAGE, PAGE));
        assertThat(calls.stream().filter(c -> c.contains("unmapped"))).as(s).hasSize(4);
        assertNoCallTouchesTheWindow(f);
        assertThat(f.host()).as(s).isEmpty();
      }
    }

    @Test
    void iovaTreeUnmapsExactlyTheFourPages() {
      ShadowFixture f = run("iova-tree");
      assertThat(f.hostCalls()).containsExactly(
          unmapped(IOVAS[0], PAGE, PAGE), unmapped(IOVAS[1], PAGE, PAGE),
          unmapped(IOVAS[2], PAGE, PAGE), unmapped(IOVAS[3], PAGE, PAGE));
      assertThat(f.host()).isEmpty();
    }

    @Test
    void iovaTreeNotPresentPdeAcrossTheWindowUnmapsOnlyTheUpperPart() {
      ShadowFixture f = new ShadowFixture("iova-tree").booted();
      f.map4k(IOVAS[2], GPA);
      f.psi(IOVAS[2], 0);
      f.markNow();
      // the guest frees the leaf table of the 2 MiB slot 0xFEE0_0000 (clears the PDE)
      f.tables.setEntry(f.slptptr, LEVELS, 0xFEE0_0000L, 2, 0);
      f.psi(IOVAS[2], 0);
      // the 2 MiB UNMAP is cropped to the upper notifier: [0xFEF0_0000, 0xFF00_0000) is 1 MiB aligned
      assertThat(f.hostCalls()).containsExactly(unmapped(0xFEF0_0000L, 0x10_0000L, PAGE));
      assertThat(f.since(CachingModeShadow.NOTIFY)).singleElement()
          .satisfies(e -> assertThat(e.attrs()).containsEntry("iova", 0xFEF0_0000L).containsEntry("size", 0x10_0000L));
      assertThat(f.host()).isEmpty();
    }

    @Test
    void pre2018WalkSkipsTheNotPresentPdeAndLeavesTheMapping() {
      // before QEMU 36d2d52bdb an invalid non-leaf entry was skipped: the stale mapping stays
      ShadowFixture f = new ShadowFixture("unmap-all-replay").booted();
      f.map4k(IOVAS[2], GPA);
      f.psi(IOVAS[2], 0);
      f.markNow();
      f.tables.setEntry(f.slptptr, LEVELS, 0xFEE0_0000L, 2, 0);
      f.psi(IOVAS[2], 0);
      assertThat(f.hostCalls()).isEmpty();
      assertThat(f.host()).containsExactly(rw(IOVAS[2], GPA, PAGE));
    }

    private void assertNoCallTouchesTheWindow(ShadowFixture f) {
      for (Event e : f.since(CachingModeShadow.NOTIFY)) {
        long start = e.longAttr("iova");
        long end = start + e.longAttr("size");
        assertThat(end <= 0xFEE0_0000L || start >= 0xFEF0_0000L).as(e.toString()).isTrue();
      }
    }
  }

  @Nested
  class OtherSuperpageCases {
    @Test
    void iovaTreeMerging4kPagesIntoA2mSuperpageIsClean() {
      // 4K PTEs merged into a 2M superpage: vtd_page_walk_one unmaps the overlapping tree entries
      // before the 2M MAP (hw/i386/intel_iommu.c), so it is handled cleanly
      ShadowFixture f = new ShadowFixture("iova-tree").booted();
      long sp = 0x20_0000L;
      f.map4k(sp, GPA);
      f.map4k(sp + PAGE, GPA + PAGE);
      f.psi(sp, 9);
      f.tables.setEntry(f.slptptr, LEVELS, sp, 2, new SecondLevelPte(true, true, true, false, GPA).encode());
      f.markNow();
      f.psi(sp, 9);
      assertThat(f.hostCalls()).containsExactly(unmapped(sp, TWO_MIB, 2 * PAGE), map(sp, GPA, TWO_MIB, "ok"));
      assertThat(f.host()).containsExactly(rw(sp, GPA, TWO_MIB));
    }

    @Test
    void a1gSuperpageAcrossTheInterruptWindowIsMappedPerNotifierInAlignedBlocks() {
      ShadowFixture f = new ShadowFixture("iova-tree").booted();
      long iova = 0xC000_0000L;
      f.tables.map(f.slptptr, LEVELS, iova, GPA, ShadowFixture.GIB, true, true);
      f.psi(iova, 18);
      List<String> expected = new ArrayList<>();
      // [0xC000_0000, 0xFEE0_0000) below the window and [0xFEF0_0000, 0x1_0000_0000) above it: the
      // same aligned blocks as the hand-derived unmap-all chunks 2..9 and 10..11
      List<long[]> chunks = new ArrayList<>(ShadowFixture.unmapAllChunks().subList(2, 10));
      chunks.addAll(ShadowFixture.unmapAllChunks().subList(10, 12));
      for (long[] c : chunks) expected.add(map(c[0], GPA + (c[0] - iova), c[1], "ok"));
      assertThat(f.hostCalls()).containsExactlyElementsOf(expected);
      assertThat(f.host().stream().mapToLong(m -> m.size()).sum()).isEqualTo(ShadowFixture.GIB - 0x10_0000L);
      // one notifier event per host call, each naturally aligned
      assertThat(f.since(CachingModeShadow.NOTIFY)).hasSize(expected.size()).allSatisfy(e ->
          assertThat(e.longAttr("iova") % e.longAttr("size")).isZero());
    }
  }
}
