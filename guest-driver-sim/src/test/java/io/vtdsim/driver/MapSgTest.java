package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.driver.SgMapping.DmaSegment;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * dma_map_sg: one IOVA range for the list, one flush. Expected layouts are worked out by hand from
 * Linux: intel_map_sg / intel_unmap_sg (≤5.10 drivers/iommu/intel-iommu.c) and iommu_dma_map_sg /
 * __finalise_sg / iommu_dma_unmap_sg (≥5.11 drivers/iommu/dma-iommu.c), iommu_map_sg (iommu.c).
 * A fresh domain's first allocation below 4 GiB is the highest size-aligned range under 4 GiB.
 */
class MapSgTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  private static Rig booted(String preset) {
    Rig rig = new Rig(preset);
    rig.driver.boot(List.of(DEV));
    rig.resetRecording();
    return rig;
  }

  @Test
  void oneRangeOneFlushSegmentsPaddedToPages() {
    Rig rig = booted("linux-6.1");
    List<SgEntry> sg = List.of(new SgEntry(0x100200, 0x1000), new SgEntry(0x300000, 0x800), new SgEntry(0x500000, 0x1000));
    // pages: 2 (0x200 + 0x1000 bytes) + 1 + 1 = 4 → a 4-page, 4-page-aligned range just below 4 GiB
    SgMapping m = rig.driver.mapSg(DEV, sg, Direction.TO_DEVICE);
    assertThat(m.iova()).isEqualTo(0xffffc000L);
    assertThat(m.bytes()).isEqualTo(0x4000);
    assertThat(m.segments()).extracting(SgMapping.Segment::iova).containsExactly(0xffffc200L, 0xffffe000L, 0xfffff000L);
    // none merges: segment 0 ends mid-page (0x1200 of 0x2000), segment 1 too (0x800 of 0x1000)
    assertThat(m.dmaSegments()).containsExactly(
        new DmaSegment(0xffffc200L, 0x1000), new DmaSegment(0xffffe000L, 0x800), new DmaSegment(0xfffff000L, 0x1000));
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0xffffc000 AM=2");
    assertThat(translate(rig, 0xffffc200L)).isEqualTo(0x100200L);
    assertThat(translate(rig, 0xffffd000L)).isEqualTo(0x101000L);
    assertThat(translate(rig, 0xffffe7ffL)).isEqualTo(0x3007ffL);
    assertThat(translate(rig, 0xfffff000L)).isEqualTo(0x500000L);
    rig.driver.unmapSg(DEV, m, Direction.TO_DEVICE);
    assertThat(rig.invalidations()).containsExactly(
        "IOTLB PSI DID=2 ADDR=0xffffc000 AM=2", "IOTLB PSI DID=2 ADDR=0xffffc000 AM=2");
    assertThat(translate(rig, 0xffffc200L)).isEqualTo(-1);
    // the range went back to the per-CPU cache and is reused
    assertThat(rig.driver.mapSg(DEV, sg, Direction.TO_DEVICE).iova()).isEqualTo(0xffffc000L);
  }

  @Test
  void wholePageSegmentsMergeIntoOneDmaSegmentFrom511ButNotBefore() {
    List<SgEntry> sg = List.of(new SgEntry(0x200000, 0x1000), new SgEntry(0x400000, 0x2000), new SgEntry(0x600000, 0x1000));
    SgMapping now = booted("linux-6.1").driver.mapSg(DEV, sg, Direction.BIDIRECTIONAL);
    // __finalise_sg: each ends at a page end, the next starts at offset 0, 0x1000 + 0x2000 + 0x1000 <= 64 KiB
    assertThat(now.dmaSegments()).containsExactly(new DmaSegment(0xffffc000L, 0x4000));
    SgMapping old = booted("linux-5.10").driver.mapSg(DEV, sg, Direction.BIDIRECTIONAL);
    // intel_map_sg returns nelems: one DMA segment per entry, at consecutive pages
    assertThat(old.dmaSegments()).containsExactly(
        new DmaSegment(0xffffc000L, 0x1000), new DmaSegment(0xffffd000L, 0x2000), new DmaSegment(0xfffff000L, 0x1000));
  }

  @Test
  void mergedDmaSegmentsStopAtMaxSegmentSize() {
    Rig rig = booted("linux-6.1");
    List<SgEntry> sg = List.of(new SgEntry(0x200000, 0x1000), new SgEntry(0x400000, 0x1000), new SgEntry(0x600000, 0x1000),
        new SgEntry(0x800000, 0x1000), new SgEntry(0xa00000, 0x1000));
    // 5 pages → 8-page allocation at 0xffff8000; max_seg_size 8 KiB: 2 + 2 + 1 pages
    SgMapping m = rig.driver.mapSg(DEV, sg, Direction.TO_DEVICE, new DmaLimits(0x2000, 0xFFFF_FFFFL));
    assertThat(m.iova()).isEqualTo(0xffff8000L);
    assertThat(m.dmaSegments()).containsExactly(new DmaSegment(0xffff8000L, 0x2000), new DmaSegment(0xffffa000L, 0x2000),
        new DmaSegment(0xffffc000L, 0x1000));
    // iotlb_sync_map over the 5 mapped pages: AM 3 (8 pages)
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0xffff8000 AM=3");
  }

  @Test
  void segmentBoundaryPadsThePreviousSegmentFrom511() {
    List<SgEntry> sg = List.of(new SgEntry(0x200000, 0x3000), new SgEntry(0x400000, 0xE000));
    DmaLimits boundary64k = new DmaLimits(0x10000, 0xFFFF);
    Rig now = booted("linux-6.1");
    SgMapping m = now.driver.mapSg(DEV, sg, Direction.TO_DEVICE, boundary64k);
    // after 3 pages, pad_len = (0xffff - 0x3000 + 1) & 0xffff = 0xd000 < 0xe000 - 1: segment 0 grows to
    // 64 KiB; iova_len 0x1e000 (30 pages) → 32-page allocation at 0xfffe0000
    assertThat(m.bytes()).isEqualTo(0x1e000);
    assertThat(m.iova()).isEqualTo(0xfffe0000L);
    assertThat(m.segments()).extracting(SgMapping.Segment::iova).containsExactly(0xfffe0000L, 0xffff0000L);
    assertThat(m.segments()).extracting(SgMapping.Segment::mappedBytes).containsExactly(0x10000L, 0xe000L);
    assertThat(m.dmaSegments()).containsExactly(new DmaSegment(0xfffe0000L, 0x3000), new DmaSegment(0xffff0000L, 0xe000));
    // the padding is mapped too: iommu_map_sg maps prev->length from segment 0's pages
    assertThat(translate(now, 0xfffef000L)).isEqualTo(0x20f000L);
    assertThat(translate(now, 0xffff0000L)).isEqualTo(0x400000L);
    assertThat(now.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0xfffe0000 AM=5");
    now.driver.unmapSg(DEV, m, Direction.TO_DEVICE);
    assertThat(now.invalidations()).last().isEqualTo("IOTLB PSI DID=2 ADDR=0xfffe0000 AM=5");
    assertThat(translate(now, 0xfffef000L)).isEqualTo(-1);

    Rig old = booted("linux-5.10");
    SgMapping o = old.driver.mapSg(DEV, sg, Direction.TO_DEVICE, boundary64k);
    // intel_map_sg ignores the boundary: 3 + 14 = 17 pages, rounded to 32
    assertThat(o.bytes()).isEqualTo(0x11000);
    assertThat(o.iova()).isEqualTo(0xfffe0000L);
    assertThat(o.segments()).extracting(SgMapping.Segment::iova).containsExactly(0xfffe0000L, 0xfffe3000L);
    // 5.10 does not reserve DID 1, so the first domain gets it
    assertThat(old.invalidations()).containsExactly("IOTLB PSI DID=1 ADDR=0xfffe0000 AM=5");
  }

  @Test
  void physicallyContiguousSegmentsAreOneMapFrom511SoASuperpageFits() {
    List<SgEntry> sg = List.of(new SgEntry(0x200000, 0x100000), new SgEntry(0x300000, 0x100000));
    Rig now = booted("linux-6.1");
    SgMapping m = now.driver.mapSg(DEV, sg, Direction.TO_DEVICE);
    // 512 pages (not rounded: ≥ 32), 2 MiB-aligned at 0xffe00000; iommu_map_sg maps [0x200000, +2 MiB) at once
    assertThat(m.iova()).isEqualTo(0xffe00000L);
    assertThat(leafLevel(now, 0xffe00000L)).isEqualTo(2);
    Rig old = booted("linux-5.10");
    SgMapping o = old.driver.mapSg(DEV, sg, Direction.TO_DEVICE);
    assertThat(o.iova()).isEqualTo(0xffe00000L);
    // __domain_mapping sizes superpages by the segment (sg_res = 256 pages): 4 KiB leaves
    assertThat(leafLevel(old, 0xffe00000L)).isEqualTo(1);
    assertThat(translate(old, 0xfff00000L)).isEqualTo(0x300000L);
  }

  @Test
  void badListsAreRefused() {
    Rig rig = booted("linux-6.1");
    assertThatThrownBy(() -> rig.driver.mapSg(DEV, List.of(), Direction.TO_DEVICE)).hasMessageContaining("empty");
    assertThatThrownBy(() -> new SgEntry(0x1000, 0)).hasMessageContaining("> 0");
    assertThatThrownBy(() -> rig.driver.mapSg(DEV, List.of(new SgEntry(0x200800, 0xFFFF_F000L)), Direction.TO_DEVICE))
        .hasMessageContaining("unsigned int");
    assertThatThrownBy(() -> new DmaLimits(0x10000, 0x17FFF)).hasMessageContaining("2^k - 1");
  }

  @Test
  void preciseWriteOnlyPermissionsFrom511AndReadableBefore() {
    Rig old = new Rig("linux-5.10");
    old.driver.boot(List.of(DEV));
    Rig now = new Rig("linux-6.1");
    now.driver.boot(List.of(DEV));
    long a = old.driver.mapSingle(DEV, 0x700000, 4096, Direction.FROM_DEVICE);
    long b = now.driver.mapSingle(DEV, 0x700000, 4096, Direction.FROM_DEVICE);
    assertThat(leaf(old, a)[1] & 3).as("≤5.10 adds R when CAP.ZLR=0").isEqualTo(3);
    assertThat(leaf(now, b)[1] & 3).isEqualTo(2);
  }

  /** The guest-physical address {@code iova} translates to through the domain's tables, or -1. */
  private static long translate(Rig rig, long iova) {
    long[] l = leaf(rig, iova);
    if (l == null || (l[1] & 3) == 0) return -1;
    long pageMask = (1L << (12 + 9 * (l[0] - 1))) - 1;
    return (l[1] & 0x000F_FFFF_FFFF_F000L & ~pageMask) | (iova & pageMask);
  }

  private static int leafLevel(Rig rig, long iova) {
    return (int) leaf(rig, iova)[0];
  }

  /** Independent walk to the leaf: {level, pte}, or null at a non-present table entry. */
  private static long[] leaf(Rig rig, long iova) {
    long table = rig.driver.pageTableRoot(rig.driver.domainOf(DEV).orElseThrow());
    for (int level = 4 + rig.driver.agaw() - 2; level >= 1; level--) {
      long pte = rig.memory.read64(table + ((iova >>> (12 + 9 * (level - 1))) & 511) * 8);
      if (level == 1 || (pte & 0x80) != 0) return new long[] {level, pte};
      if ((pte & 3) == 0) return null;
      table = pte & 0x000F_FFFF_FFFF_F000L;
    }
    return null;
  }
}
