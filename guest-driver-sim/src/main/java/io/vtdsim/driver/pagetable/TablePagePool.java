package io.vtdsim.driver.pagetable;

import io.vtdsim.driver.DriverException;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.Page;
import java.util.ArrayDeque;

/**
 * The driver's own page allocator over a range of guest RAM: zeroed 4 KiB pages, freed pages reused
 * LIFO (like a kernel page allocator's hot list), otherwise the lowest never-used page.
 */
public final class TablePagePool {
  private final GuestMemory memory;
  private final long base;
  private final long end;
  private final ArrayDeque<Long> free = new ArrayDeque<>();
  private long next;
  private int inUse;

  public TablePagePool(GuestMemory memory, long base, long size) {
    if (!memory.isRam(base, size)) {
      throw new IllegalArgumentException(String.format("table pool [0x%x, 0x%x) is not guest RAM", base, base + size));
    }
    this.memory = memory;
    this.base = base;
    this.end = base + size;
    this.next = base;
  }

  /** A zeroed page. */
  public synchronized long allocate() {
    long page;
    if (!free.isEmpty()) {
      page = free.pop();
    } else if (next < end) {
      page = next;
      next += GuestMemory.PAGE_SIZE;
    } else {
      throw new DriverException(String.format("table pool [0x%x, 0x%x) exhausted", base, end));
    }
    memory.zero(page, GuestMemory.PAGE_SIZE);
    inUse++;
    return page;
  }

  /**
   * {@code pages} zeroed, physically contiguous pages (alloc_pages of a higher order: the 256-bit
   * invalidation queue's two pages), taken from the never-used part of the pool; freed one by one.
   */
  public synchronized long allocateContiguous(int pages) {
    if (pages < 1) throw new IllegalArgumentException("pages must be ≥ 1: " + pages);
    if (pages == 1) return allocate();
    long size = (long) pages * GuestMemory.PAGE_SIZE;
    if (end - next < size) {
      throw new DriverException(String.format("table pool [0x%x, 0x%x) has no %d contiguous free pages", base, end, pages));
    }
    long first = next;
    next += size;
    memory.zero(first, size);
    inUse += pages;
    return first;
  }

  public synchronized void free(long page) {
    if (page < base || page >= end || (page & Page.OFFSET_MASK) != 0) {
      throw new IllegalArgumentException(String.format("0x%x is not a page of this pool", page));
    }
    free.push(page);
    inUse--;
  }

  public synchronized int pagesInUse() {
    return inUse;
  }

  public boolean contains(long gpa) {
    return gpa >= base && gpa < end;
  }
}
