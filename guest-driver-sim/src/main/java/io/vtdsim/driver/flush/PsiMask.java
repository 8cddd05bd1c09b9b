package io.vtdsim.driver.flush;

/** The PSI address-mask rules of Linux's iommu_flush_iotlb_psi / calculate_psi_aligned_address. */
public final class PsiMask {
  private PsiMask() {}

  /** AM = log2(roundup_pow_of_two(pages)). */
  public static int of(long pages) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1: " + pages);
    return 64 - Long.numberOfLeadingZeros(pages - 1);
  }

  /**
   * As Linux ≥5.18 ("Calculate mask for non-aligned flushes", 59bf3557cf2f): when pfn is not aligned
   * to 2^AM, AM becomes the lowest bit at or above AM where pfn and the last pfn agree (64 if none).
   */
  public static int corrected(long pfn, long pages) {
    int am = of(pages);
    long bitmask = (1L << am) - 1;
    if ((pfn & bitmask) == 0) return am;
    long end = pfn + pages - 1;
    long shared = ~(pfn ^ end) & ~bitmask;
    return shared == 0 ? 64 : Long.numberOfTrailingZeros(shared);
  }
}
