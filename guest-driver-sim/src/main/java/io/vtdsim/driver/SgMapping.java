package io.vtdsim.driver;

import io.vtdsim.emu.spec.Page;
import java.util.List;

/**
 * What {@code dma_map_sg} did with a scatter list: one IOVA range for the whole list and where each
 * segment landed in it, and the DMA segments it handed back to the device driver (merged from 5.11).
 *
 * @param iova the first byte of the IOVA range (page-aligned)
 * @param bytes the IOVA bytes mapped (iova_len: the segments' pages plus any boundary padding); the
 *     allocation behind it may be larger (rounded up to a power of two)
 * @param segments per input segment, in list order
 * @param dmaSegments sg_dma_address / sg_dma_len of the returned list, as many as dma_map_sg returned
 */
public record SgMapping(long iova, long bytes, List<Segment> segments, List<DmaSegment> dmaSegments) {
  public SgMapping {
    segments = List.copyOf(segments);
    dmaSegments = List.copyOf(dmaSegments);
  }

  /**
   * One input segment's place: its first byte is at {@code iova}; its pages from {@code iova & ~0xFFF}
   * are mapped for {@code mappedBytes} (its pages plus the padding dma-iommu adds after it) to the
   * guest pages from {@code gpa & ~0xFFF}.
   */
  public record Segment(long iova, long gpa, long size, long mappedBytes) {
    public long mappedIova() {
      return iova & ~Page.OFFSET_MASK;
    }

    public long mappedGpa() {
      return gpa & ~Page.OFFSET_MASK;
    }
  }

  /** One segment of the list dma_map_sg returns: {@code length} bytes of device address at {@code address}. */
  public record DmaSegment(long address, long length) {}

  /** The pages of the range, from {@link #iova}. */
  public long pages() {
    return bytes >>> Page.SHIFT;
  }
}
