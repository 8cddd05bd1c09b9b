package io.vtdsim.emu.platform;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Heap pages allocated on their first write; a page never written reads as zero. Pages are found by
 * page number in an open-addressing table of primitive keys (no boxing, nothing allocated per access);
 * an access within one page is one little-endian array load or store.
 *
 * <p>Accesses take no lock: a table slot is published key-after-page with release stores and read
 * with acquire loads, a naturally aligned access of 2, 4 or 8 bytes is one opaque (atomic) load or
 * store, and an aligned copy moves whole 8-byte words the same way — so a table walk never sees a
 * torn entry. Only the first write to a page and releasing a page take the store's lock (table
 * changes); a removed page's slot becomes a tombstone that readers probe past, and the table is
 * rebuilt — and published whole — when keys and tombstones fill half of it. Unaligned accesses are
 * not atomic.
 */
final class SparsePageStore implements PageStore {
  private static final int PAGE = GuestMemory.PAGE_SIZE;
  private static final long EMPTY = -1; // page numbers are below 2^52
  private static final long TOMBSTONE = -2;
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle KEY = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle PAGE_REF = MethodHandles.arrayElementVarHandle(byte[][].class);

  /** One generation of the page table; replaced whole when rebuilt. */
  private static final class Table {
    final long[] keys;
    final byte[][] pages;

    Table(int slots) {
      keys = new long[slots];
      Arrays.fill(keys, EMPTY);
      pages = new byte[slots][];
    }
  }

  private volatile Table table = new Table(64);
  // guarded by this (the writers of the table)
  private int count;
  private int tombstones;

  @Override
  public long read(long gpa, int size) {
    int o = (int) (gpa & (PAGE - 1));
    if (o + size > PAGE) {
      byte[] b = new byte[size];
      copyOut(gpa, b, 0, size);
      return le(b, 0, size);
    }
    byte[] pg = page(gpa >>> GuestMemory.PAGE_SHIFT);
    if (pg == null) return 0;
    boolean aligned = (o & (size - 1)) == 0;
    return switch (size) {
      case 8 -> aligned ? (long) LONG.getOpaque(pg, o) : (long) LONG.get(pg, o);
      case 4 -> (aligned ? (int) INT.getOpaque(pg, o) : (int) INT.get(pg, o)) & 0xFFFF_FFFFL;
      case 2 -> (aligned ? (short) SHORT.getOpaque(pg, o) : (short) SHORT.get(pg, o)) & 0xFFFFL;
      case 1 -> pg[o] & 0xFFL;
      default -> le(pg, o, size);
    };
  }

  @Override
  public void write(long gpa, int size, long value) {
    int o = (int) (gpa & (PAGE - 1));
    if (o + size > PAGE) {
      byte[] b = new byte[size];
      for (int i = 0; i < size; i++) b[i] = (byte) (value >>> (8 * i));
      copyIn(gpa, b, 0, size);
      return;
    }
    byte[] pg = pageForWrite(gpa >>> GuestMemory.PAGE_SHIFT);
    boolean aligned = (o & (size - 1)) == 0;
    switch (size) {
      case 8 -> {
        if (aligned) LONG.setOpaque(pg, o, value);
        else LONG.set(pg, o, value);
      }
      case 4 -> {
        if (aligned) INT.setOpaque(pg, o, (int) value);
        else INT.set(pg, o, (int) value);
      }
      case 2 -> {
        if (aligned) SHORT.setOpaque(pg, o, (short) value);
        else SHORT.set(pg, o, (short) value);
      }
      case 1 -> pg[o] = (byte) value;
      default -> {
        for (int i = 0; i < size; i++) pg[o + i] = (byte) (value >>> (8 * i));
      }
    }
  }

  @Override
  public void copyOut(long gpa, byte[] dst, int off, int len) {
    long p = gpa;
    int done = 0;
    while (done < len) {
      int o = (int) (p & (PAGE - 1));
      int n = Math.min(len - done, PAGE - o);
      byte[] pg = page(p >>> GuestMemory.PAGE_SHIFT);
      if (pg == null) {
        Arrays.fill(dst, off + done, off + done + n, (byte) 0);
      } else if (((o | n) & 7) == 0) {
        for (int i = 0; i < n; i += 8) LONG.set(dst, off + done + i, (long) LONG.getOpaque(pg, o + i));
      } else {
        System.arraycopy(pg, o, dst, off + done, n);
      }
      done += n;
      p += n;
    }
  }

  @Override
  public void copyIn(long gpa, byte[] src, int off, int len) {
    long p = gpa;
    int done = 0;
    while (done < len) {
      int o = (int) (p & (PAGE - 1));
      int n = Math.min(len - done, PAGE - o);
      byte[] pg = pageForWrite(p >>> GuestMemory.PAGE_SHIFT);
      if (((o | n) & 7) == 0) {
        for (int i = 0; i < n; i += 8) LONG.setOpaque(pg, o + i, (long) LONG.get(src, off + done + i));
      } else {
        System.arraycopy(src, off + done, pg, o, n);
      }
      done += n;
      p += n;
    }
  }

  @Override
  public void zero(long gpa, long len) {
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

  /** The page's bytes, or null when it holds none; lock-free. */
  private byte[] page(long key) {
    Table t = table;
    long[] keys = t.keys;
    int mask = keys.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      long k = (long) KEY.getAcquire(keys, i);
      if (k == key) return (byte[]) PAGE_REF.getAcquire(t.pages, i); // null if removed meanwhile
      if (k == EMPTY) return null;
    }
  }

  private byte[] pageForWrite(long key) {
    byte[] pg = page(key);
    return pg != null ? pg : allocate(key);
  }

  private synchronized byte[] allocate(long key) {
    byte[] pg = page(key);
    if (pg != null) return pg; // another writer allocated it
    if ((count + tombstones + 1) * 2 > table.keys.length) rebuild(count + 1);
    Table t = table;
    int mask = t.keys.length - 1;
    int i = hash(key, mask);
    while (t.keys[i] != EMPTY && t.keys[i] != TOMBSTONE) i = (i + 1) & mask;
    if (t.keys[i] == TOMBSTONE) tombstones--;
    pg = new byte[PAGE];
    PAGE_REF.setRelease(t.pages, i, pg);
    KEY.setRelease(t.keys, i, key); // the key last: a reader that sees it sees the page
    count++;
    return pg;
  }

  private synchronized void remove(long key) {
    Table t = table;
    int mask = t.keys.length - 1;
    for (int i = hash(key, mask); ; i = (i + 1) & mask) {
      long k = t.keys[i];
      if (k == EMPTY) return;
      if (k == key) {
        PAGE_REF.setRelease(t.pages, i, null);
        KEY.setRelease(t.keys, i, TOMBSTONE); // readers probe past it
        count--;
        tombstones++;
        return;
      }
    }
  }

  /** A new table without tombstones, at most half full with {@code needed} keys, published whole. */
  private void rebuild(int needed) {
    Table old = table;
    int slots = old.keys.length;
    while (needed * 2 > slots) slots *= 2;
    Table t = new Table(slots);
    int mask = slots - 1;
    for (int j = 0; j < old.keys.length; j++) {
      long k = old.keys[j];
      if (k == EMPTY || k == TOMBSTONE) continue;
      int i = hash(k, mask);
      while (t.keys[i] != EMPTY) i = (i + 1) & mask;
      t.keys[i] = k;
      t.pages[i] = old.pages[j];
    }
    tombstones = 0;
    table = t; // volatile: the filled table is published at once
  }

  private static long le(byte[] b, int o, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) v = (v << 8) | (b[o + i] & 0xFF);
    return v;
  }
}
