package io.vtdsim.emu.platform;

import io.vtdsim.emu.spec.Page;

/** A range of guest-physical addresses backed by RAM: [base, base + size). */
public record RamRegion(long base, long size) {
  public RamRegion {
    if (size <= 0) throw new IllegalArgumentException("RAM region size must be positive: " + size);
    if ((base & Page.OFFSET_MASK) != 0 || (size & Page.OFFSET_MASK) != 0) {
      throw new IllegalArgumentException("RAM regions must be 4 KiB aligned");
    }
    if (base < 0 || base + size < 0) throw new IllegalArgumentException("RAM region beyond 2^63");
  }

  public long end() {
    return base + size;
  }

  public boolean contains(long gpa, long len) {
    return gpa >= base && len >= 0 && gpa + len <= end() && gpa + len >= gpa;
  }
}
