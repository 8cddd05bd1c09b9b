package io.vtdsim.emu.util;

import java.util.Arrays;

/**
 * A sorted map from a range start to one range {@code [start, start + length)} with a 64-bit target
 * and a small tag (0..255, e.g. permission bits), ordered by start as signed longs (as a
 * {@code TreeMap<Long, ...>}). Each start holds at most one range; the map does not merge, split or
 * check ranges against each other — callers that need disjoint ranges keep them disjoint, and the
 * overlap queries ({@link #containing}, {@link #overlaps}) assume they are.
 *
 * <p>Storage is primitive: the ranges sit in sorted chunks of parallel arrays (a two-level B-tree),
 * about 25 bytes per range when chunks are full, against roughly 90 for a {@code TreeMap} entry with a
 * boxed key and a {@code long[]} value. Inserting in ascending or descending runs fills chunks
 * completely; random inserts split full chunks in half. Not thread-safe; a visitor must not change
 * the map it is visiting.
 *
 * <p>Arguments and record components come in the order start, target, length, tag: the project's
 * (iova, gpa, size) order, as {@code HostContainer.map} and the guest's {@code map} take them.
 */
public final class RangeMap {
  /** One range, as queries return it. */
  public record Range(long start, long target, long length, int tag) {
    /** The first address after the range. */
    public long end() {
      return start + length;
    }
  }

  /** Receives ranges in ascending start order, without allocating a {@link Range} per range. */
  @FunctionalInterface
  public interface Visitor {
    void visit(long start, long target, long length, int tag);
  }

  static final int DEFAULT_CHUNK_CAPACITY = 128;

  private static final long NONE = -1;

  /**
   * Up to {@code capacity} ranges in parallel arrays, sorted, in slots [lo, hi): a removal or an
   * insertion moves whichever side of the slot is shorter, so ascending and descending runs of
   * removals cost no copying. Positions are slot indices.
   */
  private static final class Chunk {
    final long[] start;
    final long[] length;
    final long[] target;
    final byte[] tag;
    int lo;
    int hi;

    /** An empty chunk whose first insertion lands at slot 0 ({@code atEnd} false) or at the last slot. */
    Chunk(int capacity, boolean atEnd) {
      start = new long[capacity];
      length = new long[capacity];
      target = new long[capacity];
      tag = new byte[capacity];
      lo = hi = atEnd ? capacity : 0;
    }

    int size() {
      return hi - lo;
    }

    long first() {
      return start[lo];
    }

    private void move(int from, int to, int k) {
      System.arraycopy(start, from, start, to, k);
      System.arraycopy(length, from, length, to, k);
      System.arraycopy(target, from, target, to, k);
      System.arraycopy(tag, from, tag, to, k);
    }

    /** Fills a new slot before slot {@code pos} (lo ≤ pos ≤ hi; the chunk is not full). */
    void insert(int pos, long s, long len, long t, int g) {
      boolean shiftLeft = lo > 0 && (hi == start.length || pos - lo < hi - pos);
      if (shiftLeft) {
        move(lo, lo - 1, pos - lo);
        lo--;
        pos--;
      } else {
        move(pos, pos + 1, hi - pos);
        hi++;
      }
      set(pos, s, len, t, g);
    }

    /** Removes slots [a, b) (lo ≤ a ≤ b ≤ hi). */
    void cut(int a, int b) {
      int k = b - a;
      if (k == 0) return;
      if (a - lo < hi - b) {
        move(lo, lo + k, a - lo);
        lo += k;
      } else {
        move(b, a, hi - b);
        hi -= k;
      }
    }

    /** Moves slots [from, hi) to the front of {@code dst} (empty). */
    void moveTailTo(int from, Chunk dst) {
      int k = hi - from;
      System.arraycopy(start, from, dst.start, 0, k);
      System.arraycopy(length, from, dst.length, 0, k);
      System.arraycopy(target, from, dst.target, 0, k);
      System.arraycopy(tag, from, dst.tag, 0, k);
      dst.lo = 0;
      dst.hi = k;
      hi = from;
    }

    /** Appends all of {@code src} after this chunk's ranges (together they fit one chunk). */
    void append(Chunk src) {
      int k = src.size();
      if (hi + k > start.length) {
        int n = size();
        move(lo, 0, n);
        lo = 0;
        hi = n;
      }
      System.arraycopy(src.start, src.lo, start, hi, k);
      System.arraycopy(src.length, src.lo, length, hi, k);
      System.arraycopy(src.target, src.lo, target, hi, k);
      System.arraycopy(src.tag, src.lo, tag, hi, k);
      hi += k;
      src.lo = src.hi = 0;
    }

    void set(int pos, long s, long len, long t, int g) {
      start[pos] = s;
      length[pos] = len;
      target[pos] = t;
      tag[pos] = (byte) g;
    }

    Range range(int pos) {
      return new Range(start[pos], target[pos], length[pos], tag[pos] & 0xFF);
    }
  }

  private final int chunkCapacity;
  private Chunk[] chunks = new Chunk[4];
  /** Each chunk's first start, kept in step with {@link #chunks}: the chunk search reads one array. */
  private long[] firsts = new long[4];
  /** The chunk the last search ended in (a hint, checked against {@link #firsts} before use). */
  private int lastChunk;
  private int chunkCount;
  private int size;
  /** Bumped by every change; a finger is valid only while it is unchanged. */
  private long modCount;
  /** Where the last {@link #containsExactly} lookup found its range (an ascending scan starts there). */
  private int fingerChunk = -1;
  private int fingerPos;
  private long fingerMod = -1;
  /** The last chunk dropped, reused by the next one needed (a map that empties and refills allocates nothing). */
  private Chunk spare;

  public RangeMap() {
    this(DEFAULT_CHUNK_CAPACITY);
  }

  /** With small chunks, for tests that exercise splitting and merging. */
  RangeMap(int chunkCapacity) {
    if (chunkCapacity < 4) throw new IllegalArgumentException("chunk capacity must be ≥ 4: " + chunkCapacity);
    this.chunkCapacity = chunkCapacity;
  }

  /** Number of ranges. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public void clear() {
    modCount++;
    chunks = new Chunk[4];
    firsts = new long[4];
    chunkCount = 0;
    size = 0;
  }

  /**
   * Stores the range starting at {@code start}, replacing the one that started there.
   *
   * @throws IllegalArgumentException for a non-positive length or a tag outside 0..255
   */
  public void put(long start, long target, long length, int tag) {
    modCount++;
    if (length <= 0) throw new IllegalArgumentException("range length must be positive: " + length);
    if (tag < 0 || tag > 0xFF) throw new IllegalArgumentException("tag must be 0..255: " + tag);
    if (chunkCount == 0) {
      Chunk c = newChunk(false);
      c.insert(0, start, length, target, tag);
      insertChunk(0, c);
      size = 1;
      return;
    }
    int ci = chunkFor(start);
    int pos;
    if (ci < 0) {
      ci = 0;
      pos = chunks[0].lo;
    } else {
      Chunk c = chunks[ci];
      int found = Arrays.binarySearch(c.start, c.lo, c.hi, start);
      if (found >= 0) {
        c.set(found, start, length, target, tag);
        return;
      }
      pos = -found - 1;
    }
    insertAt(ci, pos, start, length, target, tag);
    size++;
  }

  /**
   * True when a range starts at {@code start} with exactly this length, target and tag. Allocates
   * nothing; lookups in ascending order (a table walk merged with this map) step from where the last
   * one ended instead of searching from the top.
   */
  public boolean containsExactly(long start, long target, long length, int tag) {
    long at = findFrom(start);
    if (at == NONE) return false;
    Chunk c = chunks[chunkOf(at)];
    int p = posOf(at);
    return c.length[p] == length && c.target[p] == target && (c.tag[p] & 0xFF) == tag;
  }

  /** As {@link #find}, first stepping forward (a few ranges at most) from the finger. */
  private long findFrom(long key) {
    if (fingerMod == modCount && fingerChunk >= 0 && fingerChunk < chunkCount) {
      int ci = fingerChunk;
      Chunk c = chunks[ci];
      int p = fingerPos;
      if (p >= c.lo && p < c.hi && c.start[p] <= key) {
        for (int steps = 0; steps < 8; steps++) {
          if (p == c.hi) {
            if (ci + 1 == chunkCount) return NONE; // beyond the last range
            c = chunks[++ci];
            p = c.lo;
          }
          long s = c.start[p];
          if (s == key) {
            fingerChunk = ci;
            fingerPos = p;
            return at(ci, p);
          }
          if (s > key) return NONE; // the finger stays ≤ the next ascending key
          p++;
        }
      }
    }
    long at = find(key);
    if (at != NONE) {
      fingerChunk = chunkOf(at);
      fingerPos = posOf(at);
      fingerMod = modCount;
    }
    return at;
  }

  /** The range starting exactly at {@code start}, or null. */
  public Range get(long start) {
    long at = find(start);
    return at == NONE ? null : rangeAt(at);
  }

  /** Removes the range starting exactly at {@code start}; true if there was one. */
  public boolean remove(long start) {
    modCount++;
    long at = find(start);
    if (at == NONE) return false;
    removeAt(chunkOf(at), posOf(at));
    return true;
  }

  /** The range with the greatest start ≤ {@code key}, or null. */
  public Range floor(long key) {
    long at = floorAt(key);
    return at == NONE ? null : rangeAt(at);
  }

  /** The range with the greatest start < {@code key}, or null. */
  public Range lower(long key) {
    return key == Long.MIN_VALUE ? null : floor(key - 1);
  }

  /**
   * True when a range starts before {@code boundary} and ends after it ({@code lower(boundary)}
   * covering it), without building the range.
   */
  public boolean straddles(long boundary) {
    if (boundary == Long.MIN_VALUE) return false;
    long at = floorAt(boundary - 1);
    if (at == NONE) return false;
    Chunk c = chunks[chunkOf(at)];
    int pos = posOf(at);
    return boundary - c.start[pos] < c.length[pos];
  }

  /** The range with the least start ≥ {@code key}, or null. */
  public Range ceiling(long key) {
    long at = ceilingAt(key);
    return at == NONE ? null : rangeAt(at);
  }

  /** The range with the least start > {@code key}, or null. */
  public Range higher(long key) {
    return key == Long.MAX_VALUE ? null : ceiling(key + 1);
  }

  /** The range with the greatest start ≤ {@code addr} if it contains {@code addr}, else null. */
  public Range containing(long addr) {
    long at = floorAt(addr);
    if (at == NONE) return null;
    Chunk c = chunks[chunkOf(at)];
    int p = posOf(at);
    return addr - c.start[p] < c.length[p] ? c.range(p) : null;
  }

  /**
   * True when a range contains {@code start} (the floor range) or a range begins inside
   * [start, start + length).
   */
  public boolean overlaps(long start, long length) {
    long at = floorFrom(start);
    long above;
    if (at != NONE) {
      Chunk c = chunks[chunkOf(at)];
      int p = posOf(at);
      if (start - c.start[p] < c.length[p]) return true;
      above = after(at); // the least start > start
    } else {
      above = chunkCount == 0 ? NONE : at(0, chunks[0].lo);
    }
    return above != NONE && chunks[chunkOf(above)].start[posOf(above)] - start < length;
  }

  /** The position after {@code at} in start order, or NONE. */
  private long after(long at) {
    int ci = chunkOf(at);
    int p = posOf(at) + 1;
    if (p < chunks[ci].hi) return at(ci, p);
    return ci + 1 < chunkCount ? at(ci + 1, chunks[ci + 1].lo) : NONE;
  }

  /**
   * As {@link #floorAt}, first stepping forward (a few ranges at most) from the finger: ascending
   * lookups (a table walk's empty slots) cost a comparison or two, not a search.
   */
  private long floorFrom(long key) {
    if (fingerMod == modCount && fingerChunk >= 0 && fingerChunk < chunkCount) {
      int ci = fingerChunk;
      int p = fingerPos;
      Chunk c = chunks[ci];
      if (p >= c.lo && p < c.hi && c.start[p] <= key) {
        for (int steps = 0; steps < 8; steps++) {
          long next = after(at(ci, p));
          if (next == NONE || chunks[chunkOf(next)].start[posOf(next)] > key) {
            fingerChunk = ci;
            fingerPos = p;
            return at(ci, p);
          }
          ci = chunkOf(next);
          p = posOf(next);
        }
      }
    }
    long at = floorAt(key);
    if (at != NONE) {
      fingerChunk = chunkOf(at);
      fingerPos = posOf(at);
      fingerMod = modCount;
    }
    return at;
  }

  /** Visits every range in start order. */
  public void forEach(Visitor v) {
    for (int i = 0; i < chunkCount; i++) {
      Chunk c = chunks[i];
      for (int p = c.lo; p < c.hi; p++) v.visit(c.start[p], c.target[p], c.length[p], c.tag[p] & 0xFF);
    }
  }

  /** Visits, in start order, every range whose start is in [from, to); nothing when from ≥ to. */
  public void forEachStartingIn(long from, long to, Visitor v) {
    if (from >= to) return;
    long at = ceilingAt(from);
    if (at == NONE) return;
    for (int i = chunkOf(at), p = posOf(at); i < chunkCount; i++, p = i < chunkCount ? chunks[i].lo : 0) {
      Chunk c = chunks[i];
      for (; p < c.hi; p++) {
        if (c.start[p] >= to) return;
        v.visit(c.start[p], c.target[p], c.length[p], c.tag[p] & 0xFF);
      }
    }
  }

  /**
   * Removes every range whose start is in [from, to) (nothing when from ≥ to) and returns the sum of
   * their lengths.
   */
  public long removeStartingIn(long from, long to) {
    modCount++;
    if (from >= to) return 0;
    long first = ceilingAt(from);
    if (first == NONE) return 0;
    int ci = chunkOf(first);
    int pi = posOf(first);
    if (chunks[ci].start[pi] >= to) return 0;
    long last = ceilingAt(to);
    int cj = last == NONE ? chunkCount - 1 : chunkOf(last);
    int pj = last == NONE ? chunks[cj].hi : posOf(last);
    long removedLength = 0;
    int removed = 0;
    for (int i = ci; i <= cj; i++) {
      Chunk c = chunks[i];
      int a = i == ci ? pi : c.lo;
      int b = i == cj ? pj : c.hi;
      for (int p = a; p < b; p++) removedLength += c.length[p];
      removed += b - a;
      c.cut(a, b);
    }
    size -= removed;
    // drop the chunks emptied in [ci, cj] (only those: cost follows the range, not the map), then
    // let the survivors at the seam merge
    int w = ci;
    for (int i = ci; i <= cj; i++) {
      if (chunks[i].size() > 0) {
        firsts[w] = chunks[i].first(); // a survivor may have lost its front
        chunks[w++] = chunks[i];
      } else {
        spare = chunks[i];
      }
    }
    if (w <= cj) {
      System.arraycopy(chunks, cj + 1, chunks, w, chunkCount - cj - 1);
      System.arraycopy(firsts, cj + 1, firsts, w, chunkCount - cj - 1);
      int count = chunkCount - (cj + 1 - w);
      Arrays.fill(chunks, count, chunkCount, null);
      chunkCount = count;
    }
    if (ci < chunkCount) rebalance(ci);
    if (ci > 0 && ci - 1 < chunkCount) rebalance(ci - 1);
    return removedLength;
  }

  // ---- positions: chunk index in the high 32 bits, slot in the low 32; NONE when absent ----

  private static long at(int chunk, int pos) {
    return ((long) chunk << 32) | pos;
  }

  private static int chunkOf(long at) {
    return (int) (at >>> 32);
  }

  private static int posOf(long at) {
    return (int) at;
  }

  private Range rangeAt(long at) {
    return chunks[chunkOf(at)].range(posOf(at));
  }

  /** Index of the last chunk whose first start is ≤ key; -1 when key is below every start (or empty). */
  private int chunkFor(long key) {
    // the chunk of the last search first: lookups cluster (a DMA pair's IOVA, a walk's slots)
    int h = lastChunk;
    if (h < chunkCount && firsts[h] <= key && (h + 1 == chunkCount || firsts[h + 1] > key)) return h;
    int ans = searchChunks(key);
    if (ans >= 0) lastChunk = ans;
    return ans;
  }

  private int searchChunks(long key) {
    int lo = 0;
    int hi = chunkCount - 1;
    int ans = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (firsts[mid] <= key) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }

  private long find(long key) {
    int ci = chunkFor(key);
    if (ci < 0) return NONE;
    Chunk c = chunks[ci];
    int p = Arrays.binarySearch(c.start, c.lo, c.hi, key);
    return p >= 0 ? at(ci, p) : NONE;
  }

  private long floorAt(long key) {
    int ci = chunkFor(key);
    if (ci < 0) return NONE;
    Chunk c = chunks[ci];
    int p = Arrays.binarySearch(c.start, c.lo, c.hi, key);
    return at(ci, p >= 0 ? p : -p - 2); // -p-2 ≥ lo: the chunk's first start is ≤ key
  }

  private long ceilingAt(long key) {
    int ci = chunkFor(key);
    if (ci < 0) return chunkCount == 0 ? NONE : at(0, chunks[0].lo);
    Chunk c = chunks[ci];
    int p = Arrays.binarySearch(c.start, c.lo, c.hi, key);
    if (p >= 0) return at(ci, p);
    p = -p - 1;
    if (p < c.hi) return at(ci, p);
    return ci + 1 < chunkCount ? at(ci + 1, chunks[ci + 1].lo) : NONE;
  }

  private void insertAt(int ci, int pos, long s, long len, long t, int g) {
    insertIntoChunks(ci, pos, s, len, t, g);
    refreshFirst(ci);
    refreshFirst(ci + 1);
  }

  private void insertIntoChunks(int ci, int pos, long s, long len, long t, int g) {
    Chunk c = chunks[ci];
    if (c.size() < chunkCapacity) {
      c.insert(pos, s, len, t, g);
      return;
    }
    if (pos == c.hi) {
      // after a full chunk: the next chunk's front, or a new chunk (keeps ascending runs dense)
      if (ci + 1 < chunkCount && chunks[ci + 1].size() < chunkCapacity) {
        chunks[ci + 1].insert(chunks[ci + 1].lo, s, len, t, g);
      } else {
        Chunk fresh = newChunk(false);
        fresh.insert(0, s, len, t, g);
        insertChunk(ci + 1, fresh);
      }
      return;
    }
    if (pos == c.lo) {
      // below every start (only chunk 0 is entered at its first slot): a new first chunk, filled
      // from its end (keeps descending runs dense)
      Chunk fresh = newChunk(true);
      fresh.insert(chunkCapacity, s, len, t, g);
      insertChunk(ci, fresh);
      return;
    }
    Chunk right = newChunk(false);
    int mid = c.lo + c.size() / 2;
    c.moveTailTo(mid, right);
    insertChunk(ci + 1, right);
    if (pos <= mid) {
      c.insert(pos, s, len, t, g);
    } else {
      right.insert(pos - mid, s, len, t, g);
    }
  }

  private void removeAt(int ci, int pos) {
    Chunk c = chunks[ci];
    c.cut(pos, pos + 1);
    size--;
    if (c.size() == 0) {
      removeChunk(ci);
    } else {
      refreshFirst(ci);
      rebalance(ci);
    }
  }

  /** Merges a chunk under a quarter full into a neighbour that has room for it. */
  private void rebalance(int ci) {
    Chunk c = chunks[ci];
    if (c.size() >= chunkCapacity / 4) return;
    if (ci + 1 < chunkCount && c.size() + chunks[ci + 1].size() <= chunkCapacity) {
      c.append(chunks[ci + 1]);
      removeChunk(ci + 1);
    } else if (ci > 0 && chunks[ci - 1].size() + c.size() <= chunkCapacity) {
      chunks[ci - 1].append(c);
      removeChunk(ci);
    }
  }

  private void insertChunk(int index, Chunk c) {
    if (chunkCount == chunks.length) {
      chunks = Arrays.copyOf(chunks, chunkCount * 2);
      firsts = Arrays.copyOf(firsts, chunkCount * 2);
    }
    System.arraycopy(chunks, index, chunks, index + 1, chunkCount - index);
    System.arraycopy(firsts, index, firsts, index + 1, chunkCount - index);
    chunks[index] = c;
    firsts[index] = c.size() > 0 ? c.first() : 0; // callers refresh it once the chunk is filled
    chunkCount++;
  }

  /** Chunk {@code ci}'s first start changed (an insertion or a cut at its front). */
  private void refreshFirst(int ci) {
    if (ci < chunkCount && chunks[ci].size() > 0) firsts[ci] = chunks[ci].first();
  }

  /** For tests: every chunk is non-empty and {@link #firsts} holds its first start. */
  void checkInvariants() {
    for (int i = 0; i < chunkCount; i++) {
      if (chunks[i].size() == 0) throw new IllegalStateException("empty chunk " + i);
      if (firsts[i] != chunks[i].first()) throw new IllegalStateException("stale first of chunk " + i);
    }
  }

  private void removeChunk(int index) {
    spare = chunks[index];
    System.arraycopy(chunks, index + 1, chunks, index, chunkCount - index - 1);
    System.arraycopy(firsts, index + 1, firsts, index, chunkCount - index - 1);
    chunks[--chunkCount] = null;
  }

  private Chunk newChunk(boolean atEnd) {
    Chunk c = spare;
    if (c == null) return new Chunk(chunkCapacity, atEnd);
    spare = null;
    c.lo = c.hi = atEnd ? chunkCapacity : 0;
    return c;
  }

  @Override
  public String toString() {
    return "RangeMap[" + size + " ranges in " + chunkCount + " chunks]";
  }
}
