package io.vtdsim.driver.dma;

import io.vtdsim.driver.DmaLimits;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.SgMapping;
import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.List;

/**
 * Where {@code dma_map_sg} puts each segment of a scatter list inside its one IOVA range, before the
 * range is allocated (the layout depends on the lengths, offsets and the device's limits only). Two eras:
 *
 * <ul>
 *   <li>≤5.10, intel_map_sg (drivers/iommu/intel-iommu.c): size = Σ aligned_nrpages(offset, length);
 *       __domain_mapping gives each segment the next pages, sg->dma_address = pfn &lt;&lt; 12 + page offset;
 *       no padding, no merging: it returns nelems.
 *   <li>≥5.11, iommu_dma_map_sg (drivers/iommu/dma-iommu.c): each segment padded to whole IOVA granules;
 *       a segment that would cross the device's segment boundary makes the previous one grow to the
 *       boundary (pad_len = (mask − iova_len + 1) &amp; mask; padded when pad_len &amp;&amp; pad_len &lt; s_length − 1);
 *       the padding is mapped too (prev-&gt;length grows, iommu_map_sg maps it from the previous segment's
 *       pages). __finalise_sg then merges a segment into the previous DMA segment when that one ended
 *       at a page end, this one starts at offset 0, its address is not on a boundary and the merged
 *       length stays within max_seg_size (unsigned int arithmetic, as Linux).
 * </ul>
 */
public final class SgLayout {
  /** The longest segment: scatterlist.length is an unsigned int, and holds the page-rounded length while mapping. */
  public static final long MAX_SEGMENT = 0xFFFF_F000L;

  private final List<SgEntry> entries;
  private final boolean dmaIommu;
  private final DmaLimits limits;
  /** Per segment: the mapped start relative to the range's first byte, and the bytes mapped from it. */
  private final long[] start;
  private final long[] mapped;
  private final long bytes;

  private SgLayout(List<SgEntry> entries, boolean dmaIommu, DmaLimits limits) {
    this.entries = List.copyOf(entries);
    this.dmaIommu = dmaIommu;
    this.limits = limits;
    int n = entries.size();
    start = new long[n];
    mapped = new long[n];
    long mask = limits.segmentBoundaryMask();
    long iovaLen = 0;
    for (int i = 0; i < n; i++) {
      SgEntry e = entries.get(i);
      long sLength = Math.addExact(e.length(), (e.gpa() & Page.OFFSET_MASK) + Page.OFFSET_MASK) & ~Page.OFFSET_MASK; // iova_align(s_length + s_iova_off)
      if (sLength > MAX_SEGMENT) {
        throw new IllegalArgumentException(String.format("segment %d: 0x%x bytes at page offset 0x%x do not fit a"
            + " scatterlist length (an unsigned int, at most 0x%x with the page rounding)", i, e.length(), e.gpa() & Page.OFFSET_MASK, MAX_SEGMENT));
      }
      if (dmaIommu) {
        long pad = (mask - iovaLen + 1) & mask;
        if (pad != 0 && pad < sLength - 1) {
          mapped[i - 1] += pad; // pad_len != 0 implies iova_len != 0, so there is a previous segment
          iovaLen = Math.addExact(iovaLen, pad);
        }
      }
      start[i] = iovaLen;
      mapped[i] = sLength;
      iovaLen = Math.addExact(iovaLen, sLength);
    }
    this.bytes = iovaLen;
  }

  /**
   * The layout of {@code sg} in the era given by {@code dmaIommu} (≥5.11) for a device with {@code limits}.
   *
   * @throws IllegalArgumentException for an empty list
   * @throws ArithmeticException when the list's IOVA size overflows 64 bits
   */
  public static SgLayout of(List<SgEntry> sg, boolean dmaIommu, DmaLimits limits) {
    if (sg.isEmpty()) throw new IllegalArgumentException("scatter list is empty");
    return new SgLayout(sg, dmaIommu, limits);
  }

  /** iova_len: the IOVA bytes the list needs (its pages and padding), before the allocator's rounding. */
  public long bytes() {
    return bytes;
  }

  /** Bytes mapped from segment {@code i}'s first page: its pages plus the padding after it. */
  public long mappedBytes(int i) {
    return mapped[i];
  }

  /** The mapping once the range starts at {@code base} (page-aligned): segment places and the returned DMA segments. */
  public SgMapping at(long base) {
    List<SgMapping.Segment> segs = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      SgEntry e = entries.get(i);
      segs.add(new SgMapping.Segment(base + start[i] + (e.gpa() & Page.OFFSET_MASK), e.gpa(), e.length(), mapped[i]));
    }
    return new SgMapping(base, bytes, segs, dmaIommu ? finalise(base) : oneEach(segs));
  }

  /** intel_map_sg: sg->dma_address and dma_length of every entry, unmerged. */
  private static List<SgMapping.DmaSegment> oneEach(List<SgMapping.Segment> segs) {
    return segs.stream().map(s -> new SgMapping.DmaSegment(s.iova(), s.size())).toList();
  }

  /** __finalise_sg (dma-iommu.c). */
  private List<SgMapping.DmaSegment> finalise(long base) {
    List<SgMapping.DmaSegment> out = new ArrayList<>();
    long segMask = limits.segmentBoundaryMask();
    long maxLen = limits.maxSegmentSize();
    long dmaAddr = base;
    long curLen = 0; // unsigned int in Linux
    long curAddr = 0;
    for (int i = 0; i < entries.size(); i++) {
      SgEntry e = entries.get(i);
      long off = e.gpa() & Page.OFFSET_MASK;
      long sLength = e.length();
      if (curLen != 0 && off == 0 && (dmaAddr & segMask) != 0 && ((maxLen - curLen) & 0xFFFF_FFFFL) >= sLength) {
        curLen = (curLen + sLength) & 0xFFFF_FFFFL;
        out.set(out.size() - 1, new SgMapping.DmaSegment(curAddr, curLen));
      } else {
        curAddr = dmaAddr + off;
        curLen = sLength;
        out.add(new SgMapping.DmaSegment(curAddr, curLen));
      }
      dmaAddr += mapped[i];
      if (sLength + off < mapped[i]) curLen = 0;
    }
    return out;
  }
}
