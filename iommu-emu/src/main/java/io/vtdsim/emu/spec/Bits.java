package io.vtdsim.emu.spec;

/** Bit-field helpers used by the codecs of this package. Inclusive bit ranges, as the VT-d spec writes them. */
public final class Bits {
  private Bits() {}

  /** Mask of bits hi..lo inclusive. */
  public static long mask(int hi, int lo) {
    if (hi < lo || lo < 0 || hi > 63) {
      throw new IllegalArgumentException("bad bit range " + hi + ":" + lo);
    }
    long width = hi - lo + 1;
    return (width == 64 ? -1L : ((1L << width) - 1)) << lo;
  }

  /** Field hi..lo of {@code value}, shifted down. */
  public static long get(long value, int hi, int lo) {
    return (value & mask(hi, lo)) >>> lo;
  }

  /** {@code value} with field hi..lo replaced by {@code field} (which must fit). */
  public static long set(long value, int hi, int lo, long field) {
    long m = mask(hi, lo);
    int width = hi - lo + 1;
    if (width < 64 && (field >>> width) != 0) {
      throw new IllegalArgumentException(
          "value 0x" + Long.toHexString(field) + " does not fit in bits " + hi + ":" + lo);
    }
    return (value & ~m) | ((field << lo) & m);
  }

  public static boolean bit(long value, int n) {
    return ((value >>> n) & 1) != 0;
  }

  public static long bit(boolean on, int n) {
    return on ? 1L << n : 0;
  }

  /** Mask of the address bits at and above {@code widthBits} (used for "bits above HAW" checks). */
  public static long above(int widthBits) {
    return widthBits >= 64 ? 0 : -1L << widthBits;
  }
}
