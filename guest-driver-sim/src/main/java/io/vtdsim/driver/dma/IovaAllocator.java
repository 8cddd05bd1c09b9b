package io.vtdsim.driver.dma;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A domain's IOVA allocator as Linux's iova.c: top-down below a limit pfn, the base aligned to the
 * size rounded up to a power of two, reserved ranges never handed out, and per-CPU caches (rcache) of
 * recently freed ranges of orders 0–5 reused LIFO. Cached ranges stay allocated in the tree, as in Linux.
 */
public final class IovaAllocator {
  /** IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 are cached. */
  public static final int CACHED_ORDERS = 6;
  /** Two magazines of IOVA_MAG_SIZE per CPU and order. */
  static final int CACHE_DEPTH = 256;

  private final TreeMap<Long, Long> allocated = new TreeMap<>(); // start pfn → pages
  private final Map<Integer, ArrayDeque<Long>[]> rcache = new HashMap<>();

  /** Reserves [firstPfn, lastPfn] (e.g. the MSI window 0xFEE00000–0xFEEFFFFF). */
  public void reserve(long firstPfn, long lastPfn) {
    allocated.put(firstPfn, lastPfn - firstPfn + 1);
  }

  /**
   * Allocates {@code pages} (already rounded as the caller's era does) at or below {@code limitPfn}.
   *
   * @return the first pfn, or −1 when nothing fits
   */
  public long allocate(long pages, long limitPfn, int cpu) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1");
    int order = order(pages);
    if (order < CACHED_ORDERS && pages == 1L << order) {
      ArrayDeque<Long> q = cache(cpu)[order];
      for (Iterator<Long> it = q.iterator(); it.hasNext(); ) {
        long pfn = it.next();
        if (pfn + pages - 1 <= limitPfn) {
          it.remove();
          return pfn;
        }
      }
    }
    long align = 1L << order;
    long high = limitPfn + 1;
    while (true) {
      long candidate = (high - pages) & ~(align - 1);
      if (candidate < 1 || high - pages < 1) return -1;
      Map.Entry<Long, Long> below = allocated.floorEntry(candidate + pages - 1);
      if (below == null || below.getKey() + below.getValue() - 1 < candidate) {
        allocated.put(candidate, pages);
        return candidate;
      }
      high = below.getKey();
    }
  }

  /** Frees a range from {@link #allocate}: into this CPU's cache when its order is cached, else to the tree. */
  public void free(long pfn, int cpu) {
    Long pages = allocated.get(pfn);
    if (pages == null) throw new IllegalArgumentException(String.format("IOVA pfn 0x%x is not allocated", pfn));
    int order = order(pages);
    if (order < CACHED_ORDERS && pages == 1L << order) {
      ArrayDeque<Long> q = cache(cpu)[order];
      if (q.size() < CACHE_DEPTH) {
        q.push(pfn);
        return;
      }
    }
    allocated.remove(pfn);
  }

  /** Pages allocated at {@code pfn}, or 0 if no allocation starts there. */
  public long allocatedPages(long pfn) {
    Long p = allocated.get(pfn);
    return p == null ? 0 : p;
  }

  /** True when pfn is the start of a live (not cached) allocation. */
  public boolean isLive(long pfn) {
    if (!allocated.containsKey(pfn)) return false;
    for (ArrayDeque<Long>[] c : rcache.values()) {
      for (ArrayDeque<Long> q : c) {
        if (q.contains(pfn)) return false;
      }
    }
    return true;
  }

  static int order(long pages) {
    return 64 - Long.numberOfLeadingZeros(pages - 1);
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
