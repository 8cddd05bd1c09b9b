package io.vtdsim.emu.platform;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Heap pages allocated on their first write; a page never written reads as zero. Pages are found by
 * page number in an open-addressing table of primitive keys (no boxing, nothing allocated per access),
 * with the last page used remembered; an access within one page is one little-endian array load or
 * store. One lock.
 */
final class SparsePageStore implements PageStore {
  private static final int PAGE = GuestMemory.PAGE_SIZE;
  private static final long NO_PAGE = -1; // page numbers are below 2^52
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  // linear probing; removal by backward shift, so there are no tombstones
  private long[] keys = newKeys(64);
  private byte[][] values = new byte[64][];
  private int count;
  private long lastKey = NO_PAGE;
  private byte[] lastPage;

  private static long[] newKeys(int n) {
    long[] k = new long[n];
    Arrays.fill(k, NO_PAGE);
    return k;
  }

  @Override
  public synchronized long read(long gpa, int size) {
    int o = (int) (gpa & (PAGE - 1));
    if (o + size > PAGE) {
      byte[] b = new byte[size];
      copyOut(gpa, b, 0, size);
      return le(b, 0, size);
    }
    byte[] pg = page(gpa >>> GuestMemory.PAGE_SHIFT);
    if (pg == null) return 0;
    return switch (size) {
      case 8 -> (long) LONG.get(pg, o);
      case 4 -> (int) INT.get(pg, o) & 0xFFFF_FFFFL;
      case 2 -> (short) SHORT.get(pg, o) & 0xFFFFL;
      case 1 -> pg[o] & 0xFFL;
      default -> le(pg, o, size);
    };
  }

  @Override
  public synchronized void write(long gpa, int size, long value) {
    int o = (int) (gpa & (PAGE - 1));
    if (o + size > PAGE) {
      byte[] b = new byte[size];
      for (int i = 0; i < size; i++) b[i] = (byte) (value >>> (8 * i));
      copyIn(gpa, b, 0, size);
      return;
    }
    byte[] pg = pageForWrite(gpa >>> GuestMemory.PAGE_SHIFT);
    switch (size) {
      case 8 -> LONG.set(pg, o, value);
      case 4 -> INT.set(pg, o, (int) value);
      case 2 -> SHORT.set(pg, o, (short) value);
      case 1 -> pg[o] = (byte) value;
      default -> {
        for (int i = 0; i < size; i++) pg[o + i] = (byte) (value >>> (8 * i));
      }
    }
  }

  @Override
  public synchronized void copyOut(long gpa, byte[] dst, int off, int len) {
    long p = gpa;
    int done = 0;
    while (done < len) {
      int o = (int) (p & (PAGE - 1));
      int n = Math.min(len - done, PAGE - o);
      byte[] pg = page(p >>> GuestMemory.PAGE_SHIFT);
      if (pg == null) Arrays.fill(dst, off + done, off + done + n, (byte) 0);
      else System.arraycopy(pg, o, dst, off + done, n);
      done += n;
      p += n;
    }
  }

  @Override
  public synchronized void copyIn(long gpa, byte[] src, int off, int len) {
    long p = gpa;
    int done = 0;
    while (done < len) {
      int o = (int) (p & (PAGE - 1));
      int n = Math.min(len - done, PAGE - o);
      byte[] pg = pageForWrite(p >>> GuestMemory.PAGE_SHIFT);
      System.arraycopy(src, off + done, pg, o, n);
      done += n;
      p += n;
    }
  }

  @Override
  public synchronized void zero(long gpa, long len) {
    long p = gpa;
    long end = gpa + len;
    while (p < end) {
      long pageEnd = (p & ~(PAGE - 1L)) + PAGE;
      long chunkEnd = Math.min(end, pageEnd);
      if ((p & (PAGE - 1)) == 0 && chunkEnd == pageEnd) {
        remove(p >>> GuestMemory.PAGE_SHIFT);
      } else {
        byte[] pg = page(p >>> GuestMemory.PAGE_SHIFT);
        if (pg != null) {
          int o = (int) (p & (PAGE - 1));
          Arrays.fill(pg, o, o + (int) (chunkEnd - p), (byte) 0);
        }
      }
      p = chunkEnd;
    }
  }

  @Override
  public synchronized int allocatedPages() {
    return count;
  }

  // ---- the page table ----

  private static int hash(long key, int mask) {
    long h = key * 0x9E37_79B9_7F4A_7C15L;
    return (int) (h >>> 40) & mask;
  }

  private byte[] page(long key) {
    if (key == lastKey) return lastPage;
    int mask = keys.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      long k = keys[i];
      if (k == key) {
        lastKey = key;
        lastPage = values[i];
        return lastPage;
      }
      if (k == NO_PAGE) return null;
    }
  }

  private byte[] pageForWrite(long key) {
    byte[] pg = page(key);
    if (pg != null) return pg;
    if ((count + 1) * 2 > keys.length) grow();
    pg = new byte[PAGE];
    insert(keys, values, key, pg);
    count++;
    lastKey = key;
    lastPage = pg;
    return pg;
  }

  private static void insert(long[] keys, byte[][] values, long key, byte[] pg) {
    int mask = keys.length - 1;
    int i = hash(key, mask);
    while (keys[i] != NO_PAGE) i = (i + 1) & mask;
    keys[i] = key;
    values[i] = pg;
  }

  private void grow() {
    long[] k = newKeys(keys.length * 2);
    byte[][] v = new byte[keys.length * 2][];
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != NO_PAGE) insert(k, v, keys[i], values[i]);
    }
    keys = k;
    values = v;
  }

  private void remove(long key) {
    int mask = keys.length - 1;
    int i = hash(key, mask);
    while (keys[i] != key) {
      if (keys[i] == NO_PAGE) return;
      i = (i + 1) & mask;
    }
    if (key == lastKey) {
      lastKey = NO_PAGE;
      lastPage = null;
    }
    count--;
    // backward-shift deletion: move later entries of the probe run into the hole
    for (int j = (i + 1) & mask; keys[j] != NO_PAGE; j = (j + 1) & mask) {
      int home = hash(keys[j], mask);
      if (((j - home) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j];
        values[i] = values[j];
        i = j;
      }
    }
    keys[i] = NO_PAGE;
    values[i] = null;
  }

  private static long le(byte[] b, int o, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) v = (v << 8) | (b[o + i] & 0xFF);
    return v;
  }
}
