package io.vtdsim.harness.testbed;

import io.vtdsim.emu.spec.Page;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lazy DMA mode's bookkeeping for the oracle's stale allowance: what each DMA-API unmap covered
 * (per domain, by first IOVA: two domains may hand out the same IOVA), so that the driver's pending
 * flush-queue IOVAs ({@code IntelIommuDriver.pendingLazyIovas()}, first IOVAs only) can be sized.
 */
final class LazyUnmaps {
  /** Per domain: first IOVA → bytes of each DMA-API unmap. */
  private final Map<String, Map<Long, Long>> unmapped = new HashMap<>();

  void record(String domain, long iova, long bytes) {
    unmapped.computeIfAbsent(domain, k -> new HashMap<>()).put(iova, bytes);
  }

  /**
   * True when every page of [iova, iova+size) belongs to an unmap of {@code domain} still waiting in
   * the flush queue ({@code pending}: each queued range's first IOVA, of any domain).
   */
  boolean queued(String domain, List<Long> pending, long iova, long size) {
    TreeMap<Long, Long> ranges = new TreeMap<>();
    Map<Long, Long> here = unmapped.getOrDefault(domain, Map.of());
    for (long start : pending) {
      long page = start & ~Page.OFFSET_MASK;
      Long bytes = here.get(page);
      if (bytes != null) ranges.merge(page, bytes, Math::max); // else: another domain's queued unmap
    }
    long x = iova;
    long end = iova + size;
    while (x < end) {
      Map.Entry<Long, Long> r = ranges.floorEntry(x);
      if (r == null || r.getKey() + r.getValue() <= x) return false;
      x = r.getKey() + r.getValue();
    }
    return true;
  }
}
