package io.vtdsim.driver.dma;

/**
 * The rules of drivers/iommu/iova.c that changed between the Linux eras the driver reproduces: where the
 * rbtree search starts and whether it goes back above its start, how an rcache magazine is popped, the
 * magazine and depot sizes, and what an allocation failure flushes.
 */
public enum IovaRules {
  /**
   * 4.7–4.14: the search starts below {@code cached32_node} (rb_prev of it, limit = its pfn_lo − 1), kept
   * only for allocations whose limit is exactly {@code dma_32bit_pfn}; other limits start at rb_last. A
   * magazine gives only its top pfn, and only when it is below the limit. A failure flushes every CPU's
   * magazines and retries once (alloc_iova_fast; the rcache of 9257b4a206fc, 4.7).
   */
  LINUX_4_7(Search.CACHED32_LEGACY, false, 128, 32, false, true),
  /**
   * 4.15–5.10: an anchor node at the top, {@code cached_node} and {@code cached32_node} (e60aa7b53845
   * "iommu/iova: Extend rbtree node caching", 4.15); {@code max32_alloc_size} skips 32-bit requests that
   * cannot fit (bee60e94a1e2, 5.1); a magazine gives its highest-indexed pfn whose range fits under the limit ("Make rcache
   * limit_pfn handling more robust", 2018); the first (32-bit) attempt does not flush the rcache
   * (538d5b333216, 4.15).
   */
  LINUX_4_15(Search.CACHED_NODE, true, 128, 32, false, false),
  /**
   * 5.11–6.5: as 4.15, and a search that fails below the cached node retries once above it
   * (4e89dce72521 "Retry from last rb tree node if iova search fails"); a failure also frees the global
   * depot (6fa3525b455a).
   */
  LINUX_5_11(Search.CACHED_NODE_RETRY, true, 128, 32, true, false),
  /**
   * 6.6+: as 5.11 with 127-pfn magazines and an unbounded depot list (911aa1245da8 "Make the rcache depot
   * scale better"); the depot's 100 ms trimming work (233045378dbb) is not modelled.
   */
  LINUX_6_6(Search.CACHED_NODE_RETRY, true, 127, Integer.MAX_VALUE, true, false);

  /** Where the rbtree search starts. */
  public enum Search {
    /** Below cached32_node for 32-bit-limited requests, else from the top; never above the start. */
    CACHED32_LEGACY,
    /** Below min(limit, cached node's pfn_lo); never above the start. */
    CACHED_NODE,
    /** Below the cached node, then once between the cached node and the limit. */
    CACHED_NODE_RETRY
  }

  private final Search search;
  private final boolean popSearchesMagazine;
  private final int magazineSize;
  private final int depotLimit;
  private final boolean failureFlushesDepot;
  private final boolean firstAttemptFlushesRcache;

  IovaRules(Search search, boolean popSearchesMagazine, int magazineSize, int depotLimit, boolean failureFlushesDepot,
      boolean firstAttemptFlushesRcache) {
    this.search = search;
    this.popSearchesMagazine = popSearchesMagazine;
    this.magazineSize = magazineSize;
    this.depotLimit = depotLimit;
    this.failureFlushesDepot = failureFlushesDepot;
    this.firstAttemptFlushesRcache = firstAttemptFlushesRcache;
  }

  public Search search() {
    return search;
  }

  /** iova_magazine_pop: the highest-indexed pfn under the limit (swapped out), or only the top one. */
  public boolean popSearchesMagazine() {
    return popSearchesMagazine;
  }

  /** IOVA_MAG_SIZE. */
  public int magazineSize() {
    return magazineSize;
  }

  /** MAX_GLOBAL_MAGS: full magazines the depot of one order keeps (beyond: freed to the tree). */
  public int depotLimit() {
    return depotLimit;
  }

  /** A failed allocation that flushes the rcache also frees the global depot (free_global_cached_iovas). */
  public boolean failureFlushesDepot() {
    return failureFlushesDepot;
  }

  /** The below-4-GiB attempt for a 64-bit device flushes the rcache on failure too (4.x alloc_iova_fast). */
  public boolean firstAttemptFlushesRcache() {
    return firstAttemptFlushesRcache;
  }
}
