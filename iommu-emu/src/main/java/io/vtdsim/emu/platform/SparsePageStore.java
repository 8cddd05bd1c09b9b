package io.vtdsim.emu.platform;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Heap pages allocated on their first write; a page never written reads as zero. One lock. */
final class SparsePageStore implements PageStore {
  private static final int PAGE = GuestMemory.PAGE_SIZE;
  private final Map<Long, byte[]> pages = new HashMap<>();

  @Override
  public synchronized long read(long gpa, int size) {
    if (((gpa & (PAGE - 1)) + size) > PAGE) {
      byte[] b = new byte[size];
      copyOut(gpa, b, 0, size);
      return le(b, 0, size);
    }
    byte[] pg = pages.get(gpa >>> GuestMemory.PAGE_SHIFT);
    return pg == null ? 0 : le(pg, (int) (gpa & (PAGE - 1)), size);
  }

  @Override
  public synchronized void write(long gpa, int size, long value) {
    if (((gpa & (PAGE - 1)) + size) > PAGE) {
      byte[] b = new byte[size];
      for (int i = 0; i < size; i++) b[i] = (byte) (value >>> (8 * i));
      copyIn(gpa, b, 0, size);
      return;
    }
    byte[] pg = pages.computeIfAbsent(gpa >>> GuestMemory.PAGE_SHIFT, k -> new byte[PAGE]);
    int o = (int) (gpa & (PAGE - 1));
    for (int i = 0; i < size; i++) pg[o + i] = (byte) (value >>> (8 * i));
  }

  @Override
  public synchronized void copyOut(long gpa, byte[] dst, int off, int len) {
    long p = gpa;
    int done = 0;
    while (done < len) {
      int o = (int) (p & (PAGE - 1));
      int n = Math.min(len - done, PAGE - o);
      byte[] pg = pages.get(p >>> GuestMemory.PAGE_SHIFT);
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
      byte[] pg = pages.computeIfAbsent(p >>> GuestMemory.PAGE_SHIFT, k -> new byte[PAGE]);
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
        pages.remove(p >>> GuestMemory.PAGE_SHIFT);
      } else {
        byte[] pg = pages.get(p >>> GuestMemory.PAGE_SHIFT);
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
    return pages.size();
  }

  private static long le(byte[] b, int o, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) v = (v << 8) | (b[o + i] & 0xFF);
    return v;
  }
}
