package io.vtdsim.driver.dma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The allocator against a literal transcription of drivers/iommu/iova.c of each era ({@link LinuxIova}:
 * the node-by-node rbtree walk from the cached node, the cached-node updates, max32_alloc_size, the 5.11
 * retry, the rcache magazines and depot) below 4 GiB with smaller limits; and the invariants (aligned, in
 * bounds, never overlapping what is held) on a 48-bit space whose lower 4 GiB fill up.
 */
class IovaAllocatorModelTest {
  static final int CPUS = 4;

  /**
   * Sizes as the driver asks for them: below 32 pages rounded up to a power of two (alloc_iova_fast and
   * every caller since 4.x), unrounded from 32 pages on.
   */
  static long size(Random r) {
    int x = r.nextInt(100);
    if (x < 55) return 1L << r.nextInt(3);
    if (x < 80) return 1L << (3 + r.nextInt(3));
    if (x < 92) return 1L << (6 + r.nextInt(3));
    long[] odd = {33, 40, 48, 100};
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

  /**
   * A literal reference: iova.c's rbtree walk (rb_prev from the cached node, node by node), the cached-node
   * updates and the rcache magazines, transcribed the slow and obvious way over a TreeMap of nodes with the
   * anchor at the top. It shares nothing with the allocator's free-range tree.
   */
  static final class LinuxIova {
    static final long ANCHOR = Long.MAX_VALUE;
    static final long DMA32 = 1L << 20;
    final IovaRules rules;
    final TreeMap<Long, Long> nodes = new TreeMap<>(); // pfn_lo → pfn_hi, the anchor included
    final Map<Long, Boolean> cached = new HashMap<>();
    long cached32 = ANCHOR; // pfn_lo of the cached node (ANCHOR: the anchor; for 4.x: NULL)
    long cachedNode = ANCHOR;
    long max32 = DMA32;
    final Map<Integer, long[][]> loaded = new TreeMap<>(); // cpu → order → pfns (index 0 = size)
    final Map<Integer, long[][]> prev = new TreeMap<>();
    final List<List<long[]>> depot = new ArrayList<>();
    int overflows;
    int failures;
    int retries;
    int hits;

    LinuxIova(IovaRules rules) {
      this.rules = rules;
      nodes.put(ANCHOR, ANCHOR);
      for (int o = 0; o < 6; o++) depot.add(new ArrayList<>());
    }

    static int order(long pages) {
      return 64 - Long.numberOfLeadingZeros(pages - 1);
    }

    void reserve(long first, long last) {
      nodes.put(first, last);
    }

    long[] mag(Map<Integer, long[][]> m, int cpu, int order) {
      return m.computeIfAbsent(cpu, c -> new long[6][rules.magazineSize() + 1])[order];
    }

    long allocate(long pages, long limit, int cpu, boolean flush) {
      if (order(pages) < 6) {
        long p = rcacheGet(pages, limit, cpu);
        if (p > 0) {
          cached.remove(p);
          hits++;
          return p;
        }
      }
      long p = tree(pages, limit);
      if (p < 0 && flush) {
        for (int c : new ArrayList<>(loaded.keySet())) {
          for (int o = 0; o < 6; o++) {
            freeMag(mag(loaded, c, o));
            freeMag(mag(prev, c, o));
          }
        }
        if (rules.failureFlushesDepot()) {
          for (List<long[]> d : depot) {
            List<long[]> order = new ArrayList<>(d);
            if (rules.depotLimit() == Integer.MAX_VALUE) java.util.Collections.reverse(order);
            for (long[] m : order) freeMag(m);
            d.clear();
          }
        }
        p = tree(pages, limit);
      }
      if (p < 0) failures++;
      return p;
    }

    long tree(long size, long limitIncl) {
      long alignMask = -(1L << order(size));
      if (rules.search() == IovaRules.Search.CACHED32_LEGACY) {
        long limit = limitIncl;
        Long curr;
        if (limit > DMA32 - 1 || cached32 == ANCHOR) {
          curr = nodes.lowerKey(ANCHOR);
        } else {
          curr = nodes.lowerKey(cached32);
          limit = cached32 - 1;
        }
        long pad = 0;
        while (curr != null) {
          long lo = curr;
          long hi = nodes.get(curr);
          if (limit < lo) {
            curr = nodes.floorKey(limit); // move_left over every node above the limit at once
            continue;
          }
          if (limit >= hi) {
            pad = (limit + 1 - size) & ((1L << order(size)) - 1);
            if (hi + size + pad <= limit) break;
          }
          limit = lo - 1;
          curr = nodes.lowerKey(curr);
        }
        if (curr == null) {
          pad = (limit + 1 - size) & ((1L << order(size)) - 1);
          if (1 + size + pad > limit) return -1;
        }
        long lo = limit - (size + pad) + 1;
        nodes.put(lo, lo + size - 1);
        if (limitIncl == DMA32 - 1) cached32 = lo;
        return lo;
      }
      long limit = limitIncl + 1;
      if (limit <= DMA32 && size >= max32) return -1;
      long high = limit;
      long low = 1;
      long currKey = limit <= DMA32 ? cached32 : cachedNode;
      long retry = nodes.get(currKey);
      long newPfn;
      while (true) {
        Long curr = currKey;
        do {
          high = Math.min(high, curr);
          newPfn = (high - size) & alignMask;
          // rb_prev, skipping at once the nodes at or above high (for them the loop changes nothing)
          curr = nodes.lowerKey(Math.min(curr, high));
        } while (curr != null && newPfn <= nodes.get(curr) && newPfn >= low);
        if (high < size || newPfn < low) {
          if (rules.search() == IovaRules.Search.CACHED_NODE_RETRY && low == 1 && retry < limit) {
            high = limit;
            low = retry + 1;
            currKey = ANCHOR;
            retries++;
            continue;
          }
          max32 = size;
          return -1;
        }
        break;
      }
      nodes.put(newPfn, newPfn + size - 1);
      if (newPfn + size - 1 < DMA32) cached32 = newPfn;
      else cachedNode = newPfn;
      return newPfn;
    }

    void treeFree(long pfn) {
      long hi = nodes.get(pfn);
      Long next = nodes.higherKey(pfn);
      if (rules.search() == IovaRules.Search.CACHED32_LEGACY) {
        if (cached32 != ANCHOR && pfn >= cached32) {
          cached32 = next != null && next != ANCHOR && next < DMA32 - 1 ? next : ANCHOR;
        }
      } else {
        if (pfn == cached32 || (hi < DMA32 && pfn >= cached32)) cached32 = next;
        if (pfn < DMA32) max32 = DMA32;
        if (pfn >= cachedNode) cachedNode = next;
      }
      nodes.remove(pfn);
    }

    long rcacheGet(long pages, long limit, int cpu) {
      int o = order(pages);
      long[] l = mag(loaded, cpu, o);
      if (l[0] == 0) {
        long[] p = mag(prev, cpu, o);
        if (p[0] > 0) {
          loaded.get(cpu)[o] = p;
          prev.get(cpu)[o] = l;
          l = p;
        } else if (!depot.get(o).isEmpty()) {
          l = depot.get(o).remove(depot.get(o).size() - 1);
          loaded.get(cpu)[o] = l;
        } else {
          return -1;
        }
      }
      int n = (int) l[0];
      if (!rules.popSearchesMagazine()) {
        if (l[n] >= limit) return -1;
        l[0]--;
        return l[n];
      }
      int i = n;
      while (l[i] > limit + 1 - pages) {
        if (i == 1) return -1;
        i--;
      }
      long pfn = l[i];
      l[i] = l[n];
      l[0]--;
      return pfn;
    }

    void free(long pfn, int cpu) {
      long pages = nodes.get(pfn) - pfn + 1;
      int o = order(pages);
      if (o >= 6) {
        treeFree(pfn);
        return;
      }
      cached.put(pfn, true);
      int size = rules.magazineSize();
      long[] l = mag(loaded, cpu, o);
      long[] toFree = null;
      if (l[0] == size) {
        long[] p = mag(prev, cpu, o);
        if (p[0] < size) {
          loaded.get(cpu)[o] = p;
          prev.get(cpu)[o] = l;
          l = p;
        } else {
          if (depot.get(o).size() < rules.depotLimit()) depot.get(o).add(l);
          else toFree = l;
          l = new long[size + 1];
          loaded.get(cpu)[o] = l;
        }
      }
      l[(int) ++l[0]] = pfn;
      if (toFree != null) {
        overflows++;
        freeMag(toFree);
      }
    }

    void freeMag(long[] m) {
      for (int i = 1; i <= m[0]; i++) {
        cached.remove(m[i]);
        treeFree(m[i]);
      }
      m[0] = 0;
    }
  }

  @ParameterizedTest
  @EnumSource(IovaRules.class)
  void twoHundredThousandOperationsMatchTheLiteralLinuxAllocatorOnASmallSpace(IovaRules rules) {
    IovaAllocator a = new IovaAllocator(rules);
    LinuxIova ref = new LinuxIova(rules);
    // a window like the MSI one, inside the space
    a.reserve(0x600, 0x63F);
    ref.reserve(0x600, 0x63F);
    // mostly the 32-bit limit (where the cached nodes matter), sometimes smaller ones and a 64-bit one
    long[] limits = {0xFFFFF, 0xFFFFF, 0xFFFFF, 0x5FF, 0x640, 0x3FF, 0x1FFFFF};
    Random r = new Random(20261124);
    List<Long> mine = new ArrayList<>(); // live (not cached) allocations, for picking what to free
    for (int op = 0; op < 200_000; op++) {
      if (op % 20_000 == 0) {
        // many order-0 frees on one CPU: its magazines fill, the depot fills, the rest go back to the tree
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < 40 * rules.magazineSize(); i++) {
          long p = a.allocate(1, 0xFFFFF, 0);
          assertThat(p).isEqualTo(ref.allocate(1, 0xFFFFF, 0, true));
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
        boolean flush = r.nextInt(4) != 0;
        long got = a.allocate(pages, limit, cpu, flush);
        long want = ref.allocate(pages, limit, cpu, flush);
        assertThat(got).as("op %d: allocate %d pages below 0x%x on cpu %d", op, pages, limit, cpu).isEqualTo(want);
        if (got > 0) mine.add(got);
      } else {
        long pfn = mine.remove(r.nextInt(mine.size()));
        int cpu = r.nextInt(CPUS);
        a.free(pfn, cpu);
        ref.free(pfn, cpu);
      }
      if (op % 1000 == 0) {
        for (Map.Entry<Long, Long> e : ref.nodes.entrySet()) {
          if (e.getKey() == LinuxIova.ANCHOR) continue;
          assertThat(a.allocatedPages(e.getKey())).isEqualTo(e.getValue() - e.getKey() + 1);
          assertThat(a.isLive(e.getKey())).isEqualTo(!ref.cached.containsKey(e.getKey()));
        }
      }
    }
    if (rules.depotLimit() != Integer.MAX_VALUE) assertThat(ref.overflows).as("depot overflows exercised").isPositive();
    assertThat(ref.failures).as("failed allocations exercised").isPositive();
    assertThat(ref.hits).as("cache reuse exercised").isPositive();
    if (rules.search() == IovaRules.Search.CACHED_NODE_RETRY) assertThat(ref.retries).as("retries exercised").isPositive();
  }

  @Test
  void twoHundredThousandRangesOnALargeSpaceNeverOverlapAndStayAlignedAndInBounds() {
    final long msiFirst = 0xFEE00L;
    final long msiLast = 0xFEEFFL;
    final long below4g = 0xFFFFFL;
    final long limit = (1L << 36) - 1; // 48-bit aperture
    IovaAllocator a = new IovaAllocator(IovaRules.LINUX_6_6);
    a.reserve(msiFirst, msiLast);
    TreeMap<Long, Long> live = new TreeMap<>(); // what the test holds: pfn → pages (freed ones may come back)
    live.put(msiFirst, msiLast - msiFirst + 1);
    List<Long> freeable = new ArrayList<>();
    Random r = new Random(7);
    int allocations = 0;
    int above4g = 0;
    while (allocations < 200_000) {
      if (freeable.isEmpty() || r.nextInt(100) < 70) {
        long pages = size(r);
        int cpu = r.nextInt(CPUS);
        // as the 6.x driver for a 64-bit mask: below 4 GiB first without an rcache flush, then anywhere
        long pfn = a.allocate(pages, below4g, cpu, false);
        if (pfn < 0) pfn = a.allocate(pages, limit, cpu, true);
        assertThat(pfn).isPositive();
        assertThat(pfn % alignOf(pages)).as("size-aligned").isZero();
        assertThat(pfn + pages - 1).isLessThanOrEqualTo(limit);
        if (pfn > below4g) above4g++;
        Map.Entry<Long, Long> lower = live.floorEntry(pfn + pages - 1);
        assertThat(lower == null || lower.getKey() + lower.getValue() <= pfn)
            .as("0x%x +%d overlaps a live range", pfn, pages).isTrue();
        live.put(pfn, pages);
        freeable.add(pfn);
        allocations++;
      } else {
        long pfn = freeable.remove(r.nextInt(freeable.size()));
        a.free(pfn, r.nextInt(CPUS));
        live.remove(pfn);
      }
    }
    assertThat(above4g).as("the space below 4 GiB filled up").isPositive();
    assertThat(a.allocatedPages(msiFirst)).isEqualTo(msiLast - msiFirst + 1);
    for (Map.Entry<Long, Long> e : live.entrySet()) {
      assertThat(a.isLive(e.getKey())).isTrue();
      assertThat(a.allocatedPages(e.getKey())).isEqualTo(e.getValue());
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
