package io.vtdsim.driver;

import io.vtdsim.emu.spec.Page;

/**
 * A device's scatter-gather limits (Linux {@code struct device_dma_parameters}): the longest DMA segment
 * {@code dma_map_sg} may hand back and the boundary no segment may cross, as a mask (boundary − 1).
 *
 * @param maxSegmentSize dma_get_max_seg_size, an unsigned int in Linux (1 .. 2^32 − 1)
 * @param segmentBoundaryMask dma_get_seg_boundary: 2^k − 1 for a power-of-two boundary ≥ 4 KiB
 */
public record DmaLimits(long maxSegmentSize, long segmentBoundaryMask) {
  /** pci_device_add (drivers/pci/probe.c): dma_set_max_seg_size(65536), dma_set_seg_boundary(0xffffffff). */
  public static final DmaLimits PCI_DEFAULT = new DmaLimits(65536, 0xFFFF_FFFFL);

  public DmaLimits {
    if (maxSegmentSize < 1 || maxSegmentSize > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("max segment size must be 1 .. 2^32-1 (an unsigned int): " + maxSegmentSize);
    }
    if (segmentBoundaryMask < Page.OFFSET_MASK || (segmentBoundaryMask & (segmentBoundaryMask + 1)) != 0) {
      throw new IllegalArgumentException(String.format(
          "segment boundary mask must be 2^k - 1 with 2^k >= 4 KiB: 0x%x", segmentBoundaryMask));
    }
  }
}
