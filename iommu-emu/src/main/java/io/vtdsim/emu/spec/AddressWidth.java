package io.vtdsim.emu.spec;

/**
 * Adjusted guest address widths (VT-d spec 3.6 / 9.3): AGAW n (the context entry's AW value) selects
 * n+2 levels and a width of 30+9n bits: 1 → 39-bit 3-level, 2 → 48-bit 4-level, 3 → 57-bit 5-level.
 */
public final class AddressWidth {
  private AddressWidth() {}

  public static int widthOfAgaw(int agaw) {
    return 30 + 9 * agaw;
  }

  public static int levelsOfAgaw(int agaw) {
    return agaw + 2;
  }

  /** Linux's width_to_agaw: ceil((width − 30) / 9). */
  public static int agawOfWidth(int width) {
    return (width - 30 + 8) / 9;
  }

  /** Bits of IOVA a slot at {@code level} covers: level 1 = 4 KiB (12), 2 = 2 MiB (21), 3 = 1 GiB... */
  public static int levelShift(int level) {
    return 12 + 9 * (level - 1);
  }

  public static long levelSize(int level) {
    return 1L << levelShift(level);
  }

  /** The leaf level whose slot is {@code size} bytes: 4 KiB → 1, 2 MiB → 2, 1 GiB → 3; 0 for any other size. */
  public static int leafLevelOfSize(long size) {
    for (int level = 1; level <= 3; level++) {
      if (size == levelSize(level)) return level;
    }
    return 0;
  }

  /** Index into the table at {@code level} for {@code iova}. */
  public static int levelIndex(long iova, int level) {
    return (int) ((iova >>> levelShift(level)) & 0x1FF);
  }
}
