package io.vtdsim.emu.spec;

/**
 * The interrupt address range 0xFEE0_0000–0xFEEF_FFFF (VT-d spec 3.14 / 5.1): requests there are
 * interrupt requests, never DMA-remapped. A second-level translation whose output lands in it faults
 * (reason 0xE); vfio registers its two IOMMU notifiers around it; Linux's IOVA allocator reserves it.
 */
public final class InterruptRange {
  private InterruptRange() {}

  /** First address of the range. */
  public static final long START = 0xFEE0_0000L;
  /** First address after the range. */
  public static final long END = 0xFEF0_0000L;
  public static final long SIZE = END - START;

  public static boolean contains(long address) {
    return address >= START && address < END;
  }

  /** True when [start, start + length) overlaps the range. */
  public static boolean overlaps(long start, long length) {
    return length > 0 && start < END && start + length > START;
  }
}
