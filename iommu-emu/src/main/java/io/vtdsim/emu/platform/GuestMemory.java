package io.vtdsim.emu.platform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Guest-physical memory: 64-bit addresses, little-endian, sparse (a 4 KiB page is allocated on its
 * first write; RAM that was never written reads as zero), made of {@link RamRegion}s.
 *
 * <p>Two access styles. The {@code read*}/{@code write*} methods are for guest software (the driver)
 * and the harness: an access outside RAM is a programming error and throws
 * {@link GuestMemoryException}. The {@code try*} methods and {@link #isRam} are for the hardware side
 * (table walks, status writes, DMA): an access outside RAM is reported as a failed access, never
 * thrown, so a misbehaving guest can not crash the emulator.
 *
 * <p>Thread-safe: every access is atomic with respect to the others (one lock; the simulator is
 * deterministic by default and contention only arises in the opt-in threaded modes).
 */
public final class GuestMemory {
  public static final int PAGE_SIZE = 4096;
  public static final int PAGE_SHIFT = 12;
  /** Start of the 32-bit PCI hole in the q35-like layout. */
  public static final long Q35_LOW_LIMIT = 0x8000_0000L;
  /** Start of RAM relocated above 4 GiB in the q35-like layout. */
  public static final long FOUR_GIB = 0x1_0000_0000L;

  private final List<RamRegion> regions;
  private final Map<Long, byte[]> pages = new HashMap<>();
  private final Map<Long, List<WriteObserver>> pageObservers = new HashMap<>();
  private final List<WriteObserver> globalObservers = new CopyOnWriteArrayList<>();

  public GuestMemory(List<RamRegion> regions) {
    if (regions == null || regions.isEmpty()) throw new IllegalArgumentException("at least one RAM region");
    List<RamRegion> sorted = new ArrayList<>(regions);
    sorted.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).base() < sorted.get(i - 1).end()) {
        throw new IllegalArgumentException("RAM regions overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
      }
    }
    this.regions = List.copyOf(sorted);
  }

  /** One RAM region from GPA 0. */
  public static GuestMemory flat(long size) {
    return new GuestMemory(List.of(new RamRegion(0, size)));
  }

  /**
   * A q35-like layout: RAM up to 2 GiB stays below the 32-bit PCI hole; the rest is relocated above 4
   * GiB (as QEMU's q35 does when RAM exceeds the low-memory limit).
   */
  public static GuestMemory q35(long size) {
    if (size <= Q35_LOW_LIMIT) return flat(size);
    return new GuestMemory(List.of(new RamRegion(0, Q35_LOW_LIMIT), new RamRegion(FOUR_GIB, size - Q35_LOW_LIMIT)));
  }

  public List<RamRegion> regions() {
    return regions;
  }

  public long ramSize() {
    long s = 0;
    for (RamRegion r : regions) s += r.size();
    return s;
  }

  /** True when [gpa, gpa+len) lies entirely in one RAM region. */
  public boolean isRam(long gpa, long len) {
    for (RamRegion r : regions) {
      if (r.contains(gpa, len)) return true;
    }
    return false;
  }

  /** Number of 4 KiB pages that have been written at least once (backing store in use). */
  public synchronized int allocatedPages() {
    return pages.size();
  }

  // ---- observers ----

  /** Observe writes to the 4 KiB page containing {@code gpa}. */
  public synchronized void observePage(long gpa, WriteObserver observer) {
    pageObservers.computeIfAbsent(gpa >>> PAGE_SHIFT, k -> new ArrayList<>(2)).add(observer);
  }

  public synchronized void unobservePage(long gpa, WriteObserver observer) {
    List<WriteObserver> l = pageObservers.get(gpa >>> PAGE_SHIFT);
    if (l != null) {
      l.remove(observer);
      if (l.isEmpty()) pageObservers.remove(gpa >>> PAGE_SHIFT);
    }
  }

  /** Observe every write to guest memory. */
  public void observeAll(WriteObserver observer) {
    globalObservers.add(observer);
  }

  public void unobserveAll(WriteObserver observer) {
    globalObservers.remove(observer);
  }

  // ---- guest-software accesses (throw outside RAM) ----

  public long read64(long gpa) {
    return readLe(gpa, 8);
  }

  public int read32(long gpa) {
    return (int) readLe(gpa, 4);
  }

  public short read16(long gpa) {
    return (short) readLe(gpa, 2);
  }

  public byte read8(long gpa) {
    return (byte) readLe(gpa, 1);
  }

  public void write64(long gpa, long value) {
    writeLe(gpa, 8, value);
  }

  public void write32(long gpa, int value) {
    writeLe(gpa, 4, value);
  }

  public void write16(long gpa, short value) {
    writeLe(gpa, 2, value);
  }

  public void write8(long gpa, byte value) {
    writeLe(gpa, 1, value);
  }

  public void read(long gpa, byte[] dst, int off, int len) {
    require(gpa, len);
    copyOut(gpa, dst, off, len);
  }

  public byte[] read(long gpa, int len) {
    byte[] b = new byte[len];
    read(gpa, b, 0, len);
    return b;
  }

  public void write(long gpa, byte[] src, int off, int len) {
    require(gpa, len);
    copyIn(gpa, src, off, len);
  }

  public void write(long gpa, byte[] src) {
    write(gpa, src, 0, src.length);
  }

  /** Zero-fills [gpa, gpa+len): releases whole pages from the backing store. */
  public void zero(long gpa, long len) {
    require(gpa, len);
    long p = gpa;
    long end = gpa + len;
    while (p < end) {
      long pageEnd = (p & ~(PAGE_SIZE - 1L)) + PAGE_SIZE;
      long chunkEnd = Math.min(end, pageEnd);
      synchronized (this) {
        if ((p & (PAGE_SIZE - 1)) == 0 && chunkEnd == pageEnd) {
          pages.remove(p >>> PAGE_SHIFT);
        } else {
          byte[] pg = pages.get(p >>> PAGE_SHIFT);
          if (pg != null) {
            int o = (int) (p & (PAGE_SIZE - 1));
            java.util.Arrays.fill(pg, o, o + (int) (chunkEnd - p), (byte) 0);
          }
        }
      }
      notifyWrite(p, (int) (chunkEnd - p));
      p = chunkEnd;
    }
  }

  // ---- hardware-side accesses (never throw for guest-controlled addresses) ----

  /** Reads 8 bytes into {@code out[0]}; false (nothing read) when not entirely in RAM. */
  public boolean tryRead64(long gpa, long[] out) {
    if (!isRam(gpa, 8)) return false;
    out[0] = readRaw(gpa, 8);
    return true;
  }

  public boolean tryRead(long gpa, byte[] dst, int off, int len) {
    if (!isRam(gpa, len)) return false;
    copyOut(gpa, dst, off, len);
    return true;
  }

  public boolean tryWrite(long gpa, byte[] src, int off, int len) {
    if (!isRam(gpa, len)) return false;
    copyIn(gpa, src, off, len);
    return true;
  }

  public boolean tryWrite32(long gpa, int value) {
    if (!isRam(gpa, 4)) return false;
    writeRaw(gpa, 4, value);
    return true;
  }

  public boolean tryWrite64(long gpa, long value) {
    if (!isRam(gpa, 8)) return false;
    writeRaw(gpa, 8, value);
    return true;
  }

  // ---- internals ----

  private void require(long gpa, long len) {
    if (len < 0 || !isRam(gpa, len)) {
      throw new GuestMemoryException(
          String.format("guest access [0x%x, +0x%x) is outside RAM %s", gpa, len, regions));
    }
  }

  private long readLe(long gpa, int size) {
    require(gpa, size);
    return readRaw(gpa, size);
  }

  private void writeLe(long gpa, int size, long value) {
    require(gpa, size);
    writeRaw(gpa, size, value);
  }

  private long readRaw(long gpa, int size) {
    if (((gpa & (PAGE_SIZE - 1)) + size) <= PAGE_SIZE) {
      synchronized (this) {
        byte[] pg = pages.get(gpa >>> PAGE_SHIFT);
        if (pg == null) return 0;
        int o = (int) (gpa & (PAGE_SIZE - 1));
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (pg[o + i] & 0xFF);
        return v;
      }
    }
    byte[] b = new byte[size];
    copyOut(gpa, b, 0, size);
    long v = 0;
    for (int i = size - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
    return v;
  }

  private void writeRaw(long gpa, int size, long value) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) b[i] = (byte) (value >>> (8 * i));
    copyIn(gpa, b, 0, size);
  }

  private void copyOut(long gpa, byte[] dst, int off, int len) {
    long p = gpa;
    int done = 0;
    synchronized (this) {
      while (done < len) {
        int o = (int) (p & (PAGE_SIZE - 1));
        int n = Math.min(len - done, PAGE_SIZE - o);
        byte[] pg = pages.get(p >>> PAGE_SHIFT);
        if (pg == null) {
          java.util.Arrays.fill(dst, off + done, off + done + n, (byte) 0);
        } else {
          System.arraycopy(pg, o, dst, off + done, n);
        }
        done += n;
        p += n;
      }
    }
  }

  private void copyIn(long gpa, byte[] src, int off, int len) {
    long p = gpa;
    int done = 0;
    while (done < len) {
      int o = (int) (p & (PAGE_SIZE - 1));
      int n = Math.min(len - done, PAGE_SIZE - o);
      synchronized (this) {
        byte[] pg = pages.computeIfAbsent(p >>> PAGE_SHIFT, k -> new byte[PAGE_SIZE]);
        System.arraycopy(src, off + done, pg, o, n);
      }
      notifyWrite(p, n);
      done += n;
      p += n;
    }
  }

  private void notifyWrite(long gpa, int len) {
    List<WriteObserver> l;
    synchronized (this) {
      List<WriteObserver> po = pageObservers.isEmpty() ? null : pageObservers.get(gpa >>> PAGE_SHIFT);
      l = po == null ? Collections.emptyList() : List.copyOf(po);
    }
    for (WriteObserver o : l) o.written(gpa, len);
    for (WriteObserver o : globalObservers) o.written(gpa, len);
  }
}
