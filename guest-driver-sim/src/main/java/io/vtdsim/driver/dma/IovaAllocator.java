package io.vtdsim.driver.dma;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A domain's IOVA allocator as Linux's iova.c: top-down below a limit pfn, the base aligned to the
 * size rounded up to a power of two, reserved ranges never handed out, and per-CPU caches (rcache) of
 * recently freed ranges of orders 0–5 reused LIFO. Cached ranges stay allocated, as in Linux.
 *
 * <p>A tree allocation takes the highest aligned place that is free below the limit, holes left by
 * alignment included (iova.c walks its rbtree down from a cached node and only goes back above it once
 * the space below is exhausted; IovaAllocatorTest pins the hole filling). Here the free ranges sit in
 * a tree that knows, per subtree, the largest size-aligned request it can hold ({@link FreeRanges}), so
 * allocate and free cost O(log n) in the number of free ranges, and a request that cannot fit below a
 * limit (e.g. below 4 GiB once that is full) fails just as fast.
 */
public final class IovaAllocator {
  /** IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 are cached. */
  public static final int CACHED_ORDERS = 6;
  /** Two magazines of IOVA_MAG_SIZE per CPU and order. */
  static final int CACHE_DEPTH = 256;
  /** The highest pfn of a 64-bit IOVA space. */
  static final long MAX_PFN = -1L >>> 12;
  /** Set in {@link #allocated} values of ranges parked in an rcache. */
  private static final long CACHED = 1L << 62;

  private final FreeRanges free = new FreeRanges(1, MAX_PFN); // pfn 0 is never handed out
  private final PfnMap allocated = new PfnMap(); // start pfn → pages (| CACHED)
  private final Map<Integer, ArrayDeque<Long>[]> rcache = new HashMap<>();

  /** Reserves [firstPfn, lastPfn] (e.g. the MSI window 0xFEE00000–0xFEEFFFFF); it must be free. */
  public void reserve(long firstPfn, long lastPfn) {
    if (firstPfn < 1 || lastPfn < firstPfn || lastPfn > MAX_PFN) {
      throw new IllegalArgumentException(String.format("cannot reserve pfns [0x%x, 0x%x]", firstPfn, lastPfn));
    }
    long pages = lastPfn - firstPfn + 1;
    free.take(firstPfn, pages);
    allocated.put(firstPfn, pages);
  }

  /**
   * Allocates {@code pages} (already rounded as the caller's era does) at or below {@code limitPfn}.
   *
   * @return the first pfn, or −1 when nothing fits
   */
  public long allocate(long pages, long limitPfn, int cpu) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1");
    if (pages > MAX_PFN) return -1;
    int order = order(pages);
    if (cacheable(pages)) {
      ArrayDeque<Long> q = cache(cpu)[order];
      for (Iterator<Long> it = q.iterator(); it.hasNext(); ) {
        long pfn = it.next();
        if (pfn + pages - 1 <= limitPfn) {
          it.remove();
          allocated.put(pfn, pages);
          return pfn;
        }
      }
    }
    long limit = Math.min(limitPfn, MAX_PFN);
    if (limit < 1) return -1;
    long pfn = free.highestFit(pages, 1L << order, limit);
    if (pfn < 0) return -1;
    free.take(pfn, pages);
    allocated.put(pfn, pages);
    return pfn;
  }

  /** Frees a range from {@link #allocate}: into this CPU's cache when its order is cached, else to the tree. */
  public void free(long pfn, int cpu) {
    long v = allocated.get(pfn);
    if (v == 0) throw new IllegalArgumentException(String.format("IOVA pfn 0x%x is not allocated", pfn));
    if ((v & CACHED) != 0) throw new IllegalArgumentException(String.format("IOVA pfn 0x%x is already freed", pfn));
    if (cacheable(v)) {
      ArrayDeque<Long> q = cache(cpu)[order(v)];
      if (q.size() < CACHE_DEPTH) {
        q.push(pfn);
        allocated.put(pfn, v | CACHED);
        return;
      }
    }
    allocated.remove(pfn);
    free.release(pfn, v);
  }

  /** Pages allocated at {@code pfn}, or 0 if no allocation starts there. */
  public long allocatedPages(long pfn) {
    return allocated.get(pfn) & ~CACHED;
  }

  /** True when pfn is the start of a live (not cached) allocation. */
  public boolean isLive(long pfn) {
    long v = allocated.get(pfn);
    return v != 0 && (v & CACHED) == 0;
  }

  static int order(long pages) {
    return 64 - Long.numberOfLeadingZeros(pages - 1);
  }

  private static boolean cacheable(long pages) {
    int order = order(pages);
    return order < CACHED_ORDERS && pages == 1L << order;
  }

  @SuppressWarnings("unchecked")
  private ArrayDeque<Long>[] cache(int cpu) {
    return rcache.computeIfAbsent(cpu, c -> {
      ArrayDeque<Long>[] a = new ArrayDeque[CACHED_ORDERS];
      for (int i = 0; i < a.length; i++) a[i] = new ArrayDeque<>();
      return a;
    });
  }
}
