package io.vtdsim.driver.dma;

import java.util.Arrays;

/**
 * The free pfn ranges of one IOVA space: disjoint, never adjacent (neighbours are merged), kept in a
 * treap ordered by first pfn. Each node knows its range's {@linkplain #capacity capacity} — the largest
 * allocation iova.c could place in it, size-aligned — and each subtree the largest capacity below it,
 * so the highest place an allocation fits under a limit is found in O(log n) expected.
 *
 * <p>Nodes live in parallel arrays (no object per range). Priorities come from a fixed-seed generator,
 * so the same operations always build the same tree (determinism).
 */
final class FreeRanges {
  private static final int NIL = -1;

  private long[] first = new long[64];
  private long[] last = new long[64];
  private long[] cap = new long[64];
  private long[] maxCap = new long[64];
  private int[] left = new int[64];
  private int[] right = new int[64];
  private int[] prio = new int[64];
  private int root = NIL;
  private int slots;
  private int recycled = NIL; // chain of unused slots through left[]
  private int count;
  private long seed = 0x5DEECE66DL;
  private int splitLeft;
  private int splitRight;

  /** A space with [firstPfn, lastPfn] free. */
  FreeRanges(long firstPfn, long lastPfn) {
    if (firstPfn > lastPfn) throw new IllegalArgumentException("empty pfn space");
    root = node(firstPfn, lastPfn);
    count = 1;
  }

  /** Number of free ranges. */
  int size() {
    return count;
  }

  /**
   * The largest number of pages an allocation can have and still fit in [s, e] at a base aligned to
   * its size rounded up to a power of two: max over k of min(2^k, e + 1 − (s rounded up to 2^k)).
   * A request of p pages fits exactly when p ≤ capacity (a smaller request needs no stricter alignment
   * and no more room).
   */
  static long capacity(long s, long e) {
    long best = 0;
    for (int k = 0; k < 62; k++) {
      long a = 1L << k;
      long base = (s + a - 1) & -a;
      if (base > e) break;
      long room = e - base + 1;
      best = Math.max(best, Math.min(a, room));
      if (a >= room) break; // larger alignments have no more room than this
    }
    return best;
  }

  /** The highest base of [base, base+pages) inside [s, e] aligned to {@code align}, or −1. */
  private static long placement(long s, long e, long pages, long align) {
    long lowest = e - pages + 1;
    if (lowest < s) return -1;
    long base = lowest & -align;
    return base >= s ? base : -1;
  }

  /**
   * The highest base aligned to {@code align} (the size rounded up to a power of two) at which
   * {@code pages} free pages end at or below {@code limit}, or −1.
   */
  long highestFit(long pages, long align, long limit) {
    int top = floor(limit);
    if (top == NIL) return -1;
    // the range holding the limit is cut at the limit; every range below it counts whole
    long base = placement(first[top], Math.min(last[top], limit), pages, align);
    if (base >= 0) return base;
    int n = highestWithCapacity(root, first[top], pages);
    return n == NIL ? -1 : placement(first[n], last[n], pages, align);
  }

  /** The node with the greatest first pfn below {@code bound} whose capacity is at least {@code pages}. */
  private int highestWithCapacity(int t, long bound, long pages) {
    if (t == NIL || maxCap[t] < pages) return NIL;
    if (first[t] >= bound) return highestWithCapacity(left[t], bound, pages);
    int r = highestWithCapacity(right[t], bound, pages);
    if (r != NIL) return r;
    if (cap[t] >= pages) return t;
    return highestWithCapacity(left[t], bound, pages);
  }

  /** Marks [pfn, pfn+pages) used; it must be free. */
  void take(long pfn, long pages) {
    long end = pfn + pages - 1;
    int g = floor(pfn);
    if (g == NIL || last[g] < end) {
      throw new IllegalArgumentException(String.format("pfns [0x%x, 0x%x] are not free", pfn, end));
    }
    long s = first[g];
    long e = last[g];
    boolean below = s < pfn;
    boolean above = end < e;
    if (below && above) {
      reshape(g, s, pfn - 1);
      insert(end + 1, e);
    } else if (below) {
      reshape(g, s, pfn - 1);
    } else if (above) {
      reshape(g, end + 1, e); // the first pfn moves up, still between the same neighbours
    } else {
      root = delete(root, s);
    }
  }

  /** Marks [pfn, pfn+pages) free again, merging with free neighbours; none of it may be free. */
  void release(long pfn, long pages) {
    long end = pfn + pages - 1;
    int overlap = floor(end);
    if (overlap != NIL && last[overlap] >= pfn) {
      throw new IllegalStateException(String.format("pfns [0x%x, 0x%x] are already partly free", pfn, end));
    }
    int below = overlap != NIL && last[overlap] == pfn - 1 ? overlap : NIL;
    int above = exact(end + 1);
    if (below != NIL && above != NIL) {
      long e = last[above];
      root = delete(root, first[above]);
      reshape(below, first[below], e);
    } else if (below != NIL) {
      reshape(below, first[below], end);
    } else if (above != NIL) {
      reshape(above, pfn, last[above]);
    } else {
      insert(pfn, end);
    }
  }

  /** The last pfn of the free range holding {@code pfn}, or −1 when {@code pfn} is not free. */
  long freeRunEnd(long pfn) {
    int g = floor(pfn);
    return g != NIL && last[g] >= pfn ? last[g] : -1;
  }

  /** True when every pfn of [pfn, pfn+pages) is free. */
  boolean isFree(long pfn, long pages) {
    int g = floor(pfn);
    return g != NIL && last[g] >= pfn + pages - 1;
  }

  // ---------------------------------------------------------------- treap

  private int floor(long pfn) {
    int t = root;
    int best = NIL;
    while (t != NIL) {
      if (first[t] <= pfn) {
        best = t;
        t = right[t];
      } else {
        t = left[t];
      }
    }
    return best;
  }

  private int exact(long pfn) {
    int t = root;
    while (t != NIL && first[t] != pfn) t = pfn < first[t] ? left[t] : right[t];
    return t;
  }

  private void insert(long s, long e) {
    int n = node(s, e);
    root = insert(root, n);
    count++;
  }

  private int insert(int t, int n) {
    if (t == NIL) return n;
    if (prio[n] > prio[t]) {
      split(t, first[n]);
      left[n] = splitLeft;
      right[n] = splitRight;
      pull(n);
      return n;
    }
    if (first[n] < first[t]) left[t] = insert(left[t], n);
    else right[t] = insert(right[t], n);
    pull(t);
    return t;
  }

  /** Splits t into keys below {@code key} (splitLeft) and the rest (splitRight). */
  private void split(int t, long key) {
    if (t == NIL) {
      splitLeft = NIL;
      splitRight = NIL;
    } else if (first[t] < key) {
      split(right[t], key);
      right[t] = splitLeft;
      pull(t);
      splitLeft = t;
    } else {
      split(left[t], key);
      left[t] = splitRight;
      pull(t);
      splitRight = t;
    }
  }

  private int merge(int a, int b) {
    if (a == NIL) return b;
    if (b == NIL) return a;
    if (prio[a] > prio[b]) {
      right[a] = merge(right[a], b);
      pull(a);
      return a;
    }
    left[b] = merge(a, left[b]);
    pull(b);
    return b;
  }

  private int delete(int t, long key) {
    if (first[t] == key) {
      int m = merge(left[t], right[t]);
      left[t] = recycled;
      recycled = t;
      count--;
      return m;
    }
    if (key < first[t]) left[t] = delete(left[t], key);
    else right[t] = delete(right[t], key);
    pull(t);
    return t;
  }

  /** Changes a node's bounds in place (its order among the others unchanged) and refreshes the path to it. */
  private void reshape(int n, long s, long e) {
    first[n] = s;
    last[n] = e;
    cap[n] = capacity(s, e);
    refresh(root, s);
  }

  private void refresh(int t, long key) {
    if (first[t] != key) refresh(key < first[t] ? left[t] : right[t], key);
    pull(t);
  }

  private void pull(int t) {
    long m = cap[t];
    if (left[t] != NIL) m = Math.max(m, maxCap[left[t]]);
    if (right[t] != NIL) m = Math.max(m, maxCap[right[t]]);
    maxCap[t] = m;
  }

  private int node(long s, long e) {
    int n;
    if (recycled != NIL) {
      n = recycled;
      recycled = left[n];
    } else {
      if (slots == first.length) grow();
      n = slots++;
    }
    first[n] = s;
    last[n] = e;
    cap[n] = capacity(s, e);
    maxCap[n] = cap[n];
    left[n] = NIL;
    right[n] = NIL;
    prio[n] = nextPriority();
    return n;
  }

  /** xorshift64*: a fixed sequence, so the tree shape depends only on the operations. */
  private int nextPriority() {
    seed ^= seed >>> 12;
    seed ^= seed << 25;
    seed ^= seed >>> 27;
    return (int) ((seed * 0x2545F4914F6CDD1DL) >>> 32);
  }

  private void grow() {
    int n = first.length * 2;
    first = Arrays.copyOf(first, n);
    last = Arrays.copyOf(last, n);
    cap = Arrays.copyOf(cap, n);
    maxCap = Arrays.copyOf(maxCap, n);
    left = Arrays.copyOf(left, n);
    right = Arrays.copyOf(right, n);
    prio = Arrays.copyOf(prio, n);
  }
}
