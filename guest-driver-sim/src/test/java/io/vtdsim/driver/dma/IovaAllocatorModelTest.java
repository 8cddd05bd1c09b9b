package io.vtdsim.driver.dma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The allocator against independent models (drivers/iommu/iova.c: top-down below the limit, base aligned
 * to the size rounded up to a power of two, reserved ranges skipped, per-CPU LIFO caches of orders 0–5):
 * a brute-force scan over a bitmap of a small space, and a sorted map of live ranges on a 4 GiB+ space.
 */
class IovaAllocatorModelTest {
  static final int CPUS = 4;

  /** Sizes as the driver asks for them: powers of two, and unrounded ≥ 32-page requests (plus odd small ones). */
  static long size(Random r) {
    int x = r.nextInt(100);
    if (x < 55) return 1L << r.nextInt(3);
    if (x < 80) return 1L << (3 + r.nextInt(3));
    if (x < 92) return 1L << (6 + r.nextInt(3));
    long[] odd = {3, 5, 7, 33, 40, 48, 100};
    return odd[r.nextInt(odd.length)];
  }

  static long alignOf(long pages) {
    return pages == 1 ? 1 : Long.highestOneBit(pages - 1) << 1;
  }

  @Test
  void capacityIsTheLargestSizeAlignedRequestThatFits() {
    for (long s = 1; s <= 80; s++) {
      for (long e = s; e <= s + 160; e++) {
        long largest = 0;
        for (long p = 1; p <= e - s + 1; p++) {
          long a = alignOf(p);
          boolean fits = false;
          for (long c = s; c + p - 1 <= e; c++) {
            if (c % a == 0) {
              fits = true;
              break;
            }
          }
          if (fits) largest = p;
        }
        assertThat(FreeRanges.capacity(s, e)).as("[%d, %d]", s, e).isEqualTo(largest);
      }
    }
  }

  /** A brute-force reference allocator over a bitmap: the spec, written the slow and obvious way. */
  static final class BruteForce {
    final BitSet used = new BitSet();
    final Map<Long, Long> live = new HashMap<>(); // pfn → pages, cached ones included
    final Map<Long, Boolean> cached = new HashMap<>();
    final List<List<ArrayDeque<Long>>> caches = new ArrayList<>();
    int overflows;
    int failures;

    BruteForce() {
      for (int c = 0; c < CPUS; c++) {
        List<ArrayDeque<Long>> orders = new ArrayList<>();
        for (int o = 0; o < 6; o++) orders.add(new ArrayDeque<>());
        caches.add(orders);
      }
    }

    static int cachedOrder(long pages) {
      int o = Long.numberOfTrailingZeros(pages);
      return Long.bitCount(pages) == 1 && o < 6 ? o : -1;
    }

    void reserve(long first, long last) {
      used.set((int) first, (int) last + 1);
      live.put(first, last - first + 1);
    }

    long allocate(long pages, long limit, int cpu) {
      int o = cachedOrder(pages);
      if (o >= 0) {
        ArrayDeque<Long> q = caches.get(cpu).get(o);
        for (Long pfn : q) { // most recently freed first
          if (pfn + pages - 1 <= limit) {
            q.remove(pfn);
            cached.remove(pfn);
            return pfn;
          }
        }
      }
      long a = alignOf(pages);
      for (long c = Math.floorDiv(limit - pages + 1, a) * a; c >= 1; c -= a) {
        int next = used.nextSetBit((int) c);
        if (next < 0 || next > c + pages - 1) {
          used.set((int) c, (int) (c + pages));
          live.put(c, pages);
          return c;
        }
      }
      failures++;
      return -1;
    }

    void free(long pfn, int cpu) {
      long pages = live.get(pfn);
      int o = cachedOrder(pages);
      if (o >= 0 && caches.get(cpu).get(o).size() < IovaAllocator.CACHE_DEPTH) {
        caches.get(cpu).get(o).push(pfn);
        cached.put(pfn, true);
        return;
      }
      if (o >= 0) overflows++;
      live.remove(pfn);
      used.clear((int) pfn, (int) (pfn + pages));
    }
  }

  @Test
  void twoHundredThousandOperationsMatchABruteForceAllocatorOnASmallSpace() {
    IovaAllocator a = new IovaAllocator();
    BruteForce ref = new BruteForce();
    // a window like the MSI one, inside the space
    a.reserve(0x600, 0x63F);
    ref.reserve(0x600, 0x63F);
    long[] limits = {0x7FF, 0x7FF, 0x7FF, 0x5FF, 0x640, 0x3FF};
    Random r = new Random(20261124);
    List<Long> mine = new ArrayList<>(); // live (not cached) allocations, for picking what to free
    for (int op = 0; op < 200_000; op++) {
      boolean burst = op % 20_000 == 0;
      if (burst) {
        // many order-0 frees on one CPU: its cache fills and the rest go back to the tree
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          long p = a.allocate(1, 0x7FF, 0);
          assertThat(p).isEqualTo(ref.allocate(1, 0x7FF, 0));
          if (p > 0) got.add(p);
        }
        int cpu = r.nextInt(CPUS);
        for (long p : got) {
          a.free(p, cpu);
          ref.free(p, cpu);
        }
      }
      if (mine.isEmpty() || r.nextInt(100) < 52) {
        long pages = size(r);
        long limit = limits[r.nextInt(limits.length)];
        int cpu = r.nextInt(CPUS);
        long got = a.allocate(pages, limit, cpu);
        long want = ref.allocate(pages, limit, cpu);
        assertThat(got).as("op %d: allocate %d pages below 0x%x on cpu %d", op, pages, limit, cpu).isEqualTo(want);
        if (got > 0) mine.add(got);
      } else {
        long pfn = mine.remove(r.nextInt(mine.size()));
        int cpu = r.nextInt(CPUS);
        a.free(pfn, cpu);
        ref.free(pfn, cpu);
      }
      if (op % 1000 == 0) {
        for (Map.Entry<Long, Long> e : ref.live.entrySet()) {
          assertThat(a.allocatedPages(e.getKey())).isEqualTo(e.getValue());
          assertThat(a.isLive(e.getKey())).isEqualTo(!ref.cached.containsKey(e.getKey()));
        }
      }
    }
    assertThat(ref.overflows).as("cache overflows exercised").isPositive();
    assertThat(ref.failures).as("failed allocations exercised").isPositive();
    assertThat(ref.cached).as("cache reuse exercised").isNotEmpty();
  }

  @Test
  void twoHundredThousandRangesOnALargeSpaceNeverOverlapAndStayAlignedAndInBounds() {
    final long msiFirst = 0xFEE00L;
    final long msiLast = 0xFEEFFL;
    final long below4g = 0xFFFFFL;
    final long limit = (1L << 36) - 1; // 48-bit aperture
    IovaAllocator a = new IovaAllocator();
    a.reserve(msiFirst, msiLast);
    TreeMap<Long, Long> live = new TreeMap<>(); // the model: pfn → pages, cached ranges included
    live.put(msiFirst, msiLast - msiFirst + 1);
    Map<Long, Integer> cachedBy = new HashMap<>(); // cached pfn → the CPU whose cache holds it
    int[][] cacheCount = new int[CPUS][IovaAllocator.CACHED_ORDERS];
    List<Long> freeable = new ArrayList<>();
    Random r = new Random(7);
    int allocations = 0;
    int above4g = 0;
    while (allocations < 200_000) {
      if (freeable.isEmpty() || r.nextInt(100) < 70) {
        long pages = size(r);
        int cpu = r.nextInt(CPUS);
        // as the driver for a 64-bit mask: below 4 GiB first, then anywhere below the limit
        long pfn = a.allocate(pages, below4g, cpu);
        if (pfn < 0) pfn = a.allocate(pages, limit, cpu);
        assertThat(pfn).isPositive();
        assertThat(pfn % alignOf(pages)).as("size-aligned").isZero();
        assertThat(pfn + pages - 1).isLessThanOrEqualTo(limit);
        if (pfn > below4g) above4g++;
        Map.Entry<Long, Long> lower = live.floorEntry(pfn + pages - 1);
        if (lower != null && lower.getKey() + lower.getValue() > pfn) {
          // only a range in this CPU's cache may be handed out again
          assertThat(lower.getKey()).as("overlap at 0x%x", pfn).isEqualTo(pfn);
          assertThat(lower.getValue()).isEqualTo(pages);
          assertThat(cachedBy.remove(pfn)).as("0x%x came from cpu %d's cache", pfn, cpu).isEqualTo(cpu);
          cacheCount[cpu][BruteForce.cachedOrder(pages)]--;
        }
        live.put(pfn, pages);
        freeable.add(pfn);
        allocations++;
      } else {
        long pfn = freeable.remove(r.nextInt(freeable.size()));
        int cpu = r.nextInt(CPUS);
        a.free(pfn, cpu);
        int order = BruteForce.cachedOrder(live.get(pfn));
        if (order >= 0 && cacheCount[cpu][order] < IovaAllocator.CACHE_DEPTH) {
          cacheCount[cpu][order]++;
          cachedBy.put(pfn, cpu);
        } else {
          live.remove(pfn);
        }
      }
    }
    assertThat(above4g).as("the space below 4 GiB filled up").isPositive();
    assertThat(a.allocatedPages(msiFirst)).isEqualTo(msiLast - msiFirst + 1);
    for (Map.Entry<Long, Long> e : live.entrySet()) {
      assertThat(a.allocatedPages(e.getKey())).isEqualTo(e.getValue());
      assertThat(a.isLive(e.getKey())).isEqualTo(!cachedBy.containsKey(e.getKey()));
    }
  }

  @Test
  void misuseIsRejected() {
    IovaAllocator a = new IovaAllocator();
    long p = a.allocate(1, 0xFFFFF, 0);
    a.free(p, 0);
    assertThatThrownBy(() -> a.free(p, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already freed");
    assertThatThrownBy(() -> a.free(0x1234, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not allocated");
    long q = a.allocate(4, 0xFFFFF, 0);
    assertThatThrownBy(() -> a.reserve(q, q + 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not free");
  }
}
