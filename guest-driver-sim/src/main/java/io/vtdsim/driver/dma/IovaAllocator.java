package io.vtdsim.driver.dma;

import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A domain's IOVA allocator as Linux's drivers/iommu/iova.c of one era ({@link IovaRules}): an rbtree of
 * allocated ranges searched top-down from a cached node, the base aligned to the size rounded up to a
 * power of two, reserved ranges never handed out, and per-CPU caches (rcache) of recently freed ranges of
 * orders 0–5 in front of it. Cached ranges stay allocated in the tree, as in Linux.
 *
 * <p>The search does not fill holes above its start: {@code __alloc_and_insert_iova_range} walks down
 * from {@code cached32_node} / {@code cached_node} (the last range allocated, or the one above the last
 * range freed at or above it) and takes the highest aligned place below it; a gap an aligned allocation
 * left above stays free until the search restarts higher (a free above the cached node, or the 5.11
 * retry once the space below is exhausted). A Linux 6.1 e1000 run shows it: a 1-page map at 0xfffeb000,
 * a 2-page map at 0xfffe8000, and the next 1-page map at 0xfffe7000, not 0xfffea000.
 *
 * <p>The walk over allocated nodes is computed on the free ranges instead ({@link FreeRanges}: a gap
 * between two nodes is a free range, and the walk takes the highest aligned fit in the first gap, going
 * down, that holds one), so a search costs O(log n) however many nodes it would step over.
 */
final class IovaAllocator {
  /** IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 are cached. */
  public static final int CACHED_ORDERS = 6;
  /** The highest pfn of a 64-bit IOVA space. */
  static final long MAX_PFN = -1L >>> Page.SHIFT;
  /** dma_32bit_pfn of 4 KiB granules: exclusive since 4.15 (1 << 20), the last pfn (0xFFFFF) before. */
  static final long DMA_32BIT_PFN = 1L << 20;
  /** start_pfn of the intel / dma-iommu domains: pfn 0 is never handed out. */
  static final long START_PFN = 1;
  /** The anchor node (pfn_lo = pfn_hi = IOVA_ANCHOR, ~0UL) that cached nodes start at since 4.15; NULL before. */
  static final long ANCHOR = -1;
  /** Set in {@link #allocated} values of ranges parked in an rcache. */
  private static final long CACHED = 1L << 62;

  private final IovaRules rules;
  private final FreeRanges free = new FreeRanges(START_PFN, MAX_PFN);
  private final PfnMap allocated = new PfnMap(); // start pfn → pages (| CACHED)
  private long cached32 = ANCHOR;
  private long cachedNode = ANCHOR;
  private long max32AllocSize = DMA_32BIT_PFN;
  private final Map<Integer, CpuCache[]> cpuCaches = new TreeMap<>(); // for_each_online_cpu order
  private final List<List<Magazine>> depots = new ArrayList<>();

  public IovaAllocator(IovaRules rules) {
    this.rules = rules;
    for (int i = 0; i < CACHED_ORDERS; i++) depots.add(new ArrayList<>());
  }

  /** The allocator of the newest era (5.11+ search with retry, 6.6 magazines). */
  public IovaAllocator() {
    this(IovaRules.LINUX_6_6);
  }

  public IovaRules rules() {
    return rules;
  }

  /** reserve_iova: [firstPfn, lastPfn] (e.g. the MSI window 0xFEE00000–0xFEEFFFFF) becomes a node; it must be free. */
  public void reserve(long firstPfn, long lastPfn) {
    if (firstPfn < START_PFN || lastPfn < firstPfn || lastPfn > MAX_PFN) {
      throw new IllegalArgumentException(String.format("cannot reserve pfns [0x%x, 0x%x]", firstPfn, lastPfn));
    }
    long pages = lastPfn - firstPfn + 1;
    free.take(firstPfn, pages);
    allocated.put(firstPfn, pages);
  }

  /** alloc_iova_fast with flush_rcache: see {@link #allocate(long, long, int, boolean)}. */
  public long allocate(long pages, long limitPfn, int cpu) {
    return allocate(pages, limitPfn, cpu, true);
  }

  /**
   * alloc_iova_fast: {@code pages} (already rounded as the caller's era does) ending at or below
   * {@code limitPfn}: from this CPU's rcache when one fits, else from the tree; when the tree has no
   * room and {@code flushRcache}, every CPU's cached ranges (and the depot, 5.11+) go back to the tree and
   * the tree is searched once more.
   *
   * @return the first pfn, or −1 when nothing fits
   */
  public long allocate(long pages, long limitPfn, int cpu, boolean flushRcache) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1");
    if (pages > MAX_PFN || limitPfn < START_PFN) return -1;
    long limit = Math.min(limitPfn, MAX_PFN);
    if (order(pages) < CACHED_ORDERS) {
      long pfn = rcacheGet(pages, limit, cpu);
      if (pfn > 0) {
        allocated.put(pfn, allocated.get(pfn) & ~CACHED);
        return pfn;
      }
    }
    long pfn = treeAllocate(pages, limit);
    if (pfn < 0 && flushRcache) {
      flushRcaches();
      pfn = treeAllocate(pages, limit);
    }
    return pfn;
  }

  /** free_iova_fast: into this CPU's rcache when the order is cached, else back to the tree. */
  public void free(long pfn, int cpu) {
    long v = allocated.get(pfn);
    if (v == 0) throw new IllegalArgumentException(String.format("IOVA pfn 0x%x is not allocated", pfn));
    if ((v & CACHED) != 0) throw new IllegalArgumentException(String.format("IOVA pfn 0x%x is already freed", pfn));
    int order = order(v);
    if (order < CACHED_ORDERS) {
      allocated.put(pfn, v | CACHED);
      rcacheInsert(order, pfn, cpu);
      return;
    }
    treeFree(pfn);
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

  /** order_base_2. */
  static int order(long pages) {
    return 64 - Long.numberOfLeadingZeros((pages & ~CACHED) - 1);
  }

  // ---------------------------------------------------------------- the rbtree (__alloc_and_insert_iova_range)

  private long treeAllocate(long pages, long limit) {
    long align = 1L << order(pages);
    long pfn;
    if (rules.search() == IovaRules.Search.CACHED32_LEGACY) {
      // 4.x: a 32-bit-limited request starts below cached32_node (its pfn_lo − 1 replaces the limit);
      // the lowest gap ends one above start_pfn (start_pfn + size + pad > limit fails)
      boolean fromCached = limit <= DMA_32BIT_PFN - 1 && cached32 != ANCHOR;
      long top = fromCached ? cached32 - 1 : limit;
      pfn = fitBelow(pages, align, top, START_PFN + 1);
      if (pfn < 0) return -1;
      insert(pfn, pages);
      if (limit == DMA_32BIT_PFN - 1) cached32 = pfn; // __cached_rbnode_insert_update: only for the 32-bit limit
      return pfn;
    }
    long exclusive = limit + 1; // alloc_iova passes limit_pfn + 1
    boolean below32 = exclusive <= DMA_32BIT_PFN;
    if (below32 && pages >= max32AllocSize) return -1;
    long cached = below32 ? cached32 : cachedNode;
    long high = cached == ANCHOR ? exclusive : Math.min(exclusive, cached);
    pfn = fitBelow(pages, align, high - 1, START_PFN);
    if (pfn < 0 && rules.search() == IovaRules.Search.CACHED_NODE_RETRY && cached != ANCHOR) {
      long retryPfn = cached + allocatedPages(cached) - 1; // the cached node's pfn_hi
      if (retryPfn < exclusive) pfn = fitBelow(pages, align, limit, retryPfn + 1);
    }
    if (pfn < 0) {
      max32AllocSize = pages;
      return -1;
    }
    insert(pfn, pages);
    if (pfn + pages - 1 < DMA_32BIT_PFN) cached32 = pfn;
    else cachedNode = pfn;
    return pfn;
  }

  /** The highest base aligned to {@code align} with [base, base+pages) free, at or above {@code low}, ending at or below {@code top}. */
  private long fitBelow(long pages, long align, long top, long low) {
    if (top < low) return -1;
    long pfn = free.highestFit(pages, align, top);
    return pfn >= low ? pfn : -1;
  }

  private void insert(long pfn, long pages) {
    free.take(pfn, pages);
    allocated.put(pfn, pages);
  }

  /** remove_iova: the cached nodes move first (__cached_rbnode_delete_update), then the node goes. */
  private void treeFree(long pfn) {
    long pages = allocatedPages(pfn);
    long hi = pfn + pages - 1;
    if (rules.search() == IovaRules.Search.CACHED32_LEGACY) {
      if (cached32 != ANCHOR && pfn >= cached32) {
        long next = next(hi);
        cached32 = next != ANCHOR && next < DMA_32BIT_PFN - 1 ? next : ANCHOR; // only cache below dma_32bit_pfn
      }
    } else {
      // free == cached32 too: since 80ef4464d5e2 "Remove stale cached32_node" (5.3) it may be a node above 4 GiB
      if (cached32 != ANCHOR && (pfn == cached32 || (hi < DMA_32BIT_PFN && pfn >= cached32))) cached32 = next(hi);
      if (pfn < DMA_32BIT_PFN) max32AllocSize = DMA_32BIT_PFN;
      if (cachedNode != ANCHOR && pfn >= cachedNode) cachedNode = next(hi);
    }
    allocated.remove(pfn);
    free.release(pfn, pages);
  }

  /** rb_next of the node ending at {@code hi}: the next allocated pfn above it starts a node; the anchor past the top. */
  private long next(long hi) {
    if (hi >= MAX_PFN) return ANCHOR;
    long p = hi + 1;
    long run = free.freeRunEnd(p);
    if (run < 0) return p;
    return run >= MAX_PFN ? ANCHOR : run + 1;
  }

  // ---------------------------------------------------------------- the rcache (iova_rcache_get / insert)

  /** A magazine of pfns of one order (IOVA_MAG_SIZE). */
  private static final class Magazine {
    final long[] pfns;
    int size;

    Magazine(int capacity) {
      pfns = new long[capacity];
    }

    boolean full() {
      return size == pfns.length;
    }
  }

  /** One CPU's loaded and previous magazine of one order. */
  private static final class CpuCache {
    Magazine loaded;
    Magazine prev;

    CpuCache(int capacity) {
      loaded = new Magazine(capacity);
      prev = new Magazine(capacity);
    }

    void swap() {
      Magazine t = loaded;
      loaded = prev;
      prev = t;
    }
  }

  private CpuCache cache(int cpu, int order) {
    CpuCache[] known = cpuCaches.get(cpu); // no capturing lambda once the CPU has its caches
    if (known != null) return known[order];
    return cpuCaches.computeIfAbsent(cpu, c -> {
      CpuCache[] a = new CpuCache[CACHED_ORDERS];
      for (int i = 0; i < a.length; i++) a[i] = new CpuCache(rules.magazineSize());
      return a;
    })[order];
  }

  /** __iova_rcache_get: the loaded magazine, else the previous one, else one from the depot; then a pop under the limit. */
  private long rcacheGet(long pages, long limit, int cpu) {
    int order = order(pages);
    CpuCache c = cache(cpu, order);
    List<Magazine> depot = depots.get(order);
    if (c.loaded.size == 0) {
      if (c.prev.size > 0) {
        c.swap();
      } else if (!depot.isEmpty()) {
        c.loaded = depot.remove(depot.size() - 1);
      } else {
        return -1;
      }
    }
    return pop(c.loaded, pages, limit);
  }

  /**
   * iova_magazine_pop. 4.x: the top pfn, unless it is at or above the (inclusive) limit — only the start
   * pfn is compared, so the topmost cached page under a 32-bit limit (pfn 0xFFFFF) is never reused. Since
   * 2018 (iova_rcache_get passes limit_pfn + 1 − size): the highest-indexed pfn whose range ends at or
   * below the limit, the last pfn moving into its slot.
   */
  private long pop(Magazine m, long pages, long limit) {
    if (!rules.popSearchesMagazine()) {
      if (m.pfns[m.size - 1] >= limit) return -1;
      return m.pfns[--m.size];
    }
    int i = m.size - 1;
    while (m.pfns[i] > limit + 1 - pages) {
      if (i == 0) return -1;
      i--;
    }
    long pfn = m.pfns[i];
    m.pfns[i] = m.pfns[--m.size];
    return pfn;
  }

  /**
   * __iova_rcache_insert: into the loaded magazine, else the previous one (swapped in), else a new loaded
   * magazine with the full one going to the depot, or back to the tree when the depot is full.
   */
  private void rcacheInsert(int order, long pfn, int cpu) {
    CpuCache c = cache(cpu, order);
    Magazine toFree = null;
    if (c.loaded.full()) {
      if (!c.prev.full()) {
        c.swap();
      } else {
        List<Magazine> depot = depots.get(order);
        if (depot.size() < rules.depotLimit()) depot.add(c.loaded);
        else toFree = c.loaded;
        c.loaded = new Magazine(rules.magazineSize());
      }
    }
    c.loaded.pfns[c.loaded.size++] = pfn;
    if (toFree != null) freePfns(toFree);
  }

  /** iova_magazine_free_pfns: each pfn back to the tree, in slot order. */
  private void freePfns(Magazine m) {
    for (int i = 0; i < m.size; i++) {
      long pfn = m.pfns[i];
      allocated.put(pfn, allocated.get(pfn) & ~CACHED);
      treeFree(pfn);
    }
    m.size = 0;
  }

  /** free_cpu_cached_iovas for each CPU (loaded, then previous, per order), then (5.11+) free_global_cached_iovas. */
  private void flushRcaches() {
    for (CpuCache[] perOrder : cpuCaches.values()) {
      for (CpuCache c : perOrder) {
        freePfns(c.loaded);
        freePfns(c.prev);
      }
    }
    if (!rules.failureFlushesDepot()) return;
    for (List<Magazine> depot : depots) {
      // ≤6.5 frees depot[0..n) in order; 6.6 pops its list from the head (the newest first)
      if (rules.depotLimit() == Integer.MAX_VALUE) {
        for (int i = depot.size() - 1; i >= 0; i--) freePfns(depot.get(i));
      } else {
        for (Magazine m : depot) freePfns(m);
      }
      depot.clear();
    }
  }
}
