package io.vtdsim.emu.spec;

/**
 * A scalable-mode root entry (128 bits, one per bus, VT-d spec 9.2), used when RTADDR.TTM = 01b. The
 * low quadword points to the context table of devfn 0–127, the high quadword to that of devfn
 * 128–255: P (LP/UP) bit 0, context-table pointer (LCTP/UCTP) 63:12, bits 11:1 reserved, and bits
 * at and above the host address width reserved. Each half is checked only when it is the one a
 * request uses (as QEMU's vtd_root_entry_rsvd_bits_check on the half it reads).
 */
public record ScalableRootEntry(boolean lowerPresent, long lowerContextTable, boolean upperPresent,
    long upperContextTable) {
  public static final int SIZE = 16;
  /** Reserved bits of each half below the address: 11:1. */
  public static final long HALF_RESERVED = Bits.mask(11, 1);
  /** devfn at and above which the upper half is used. */
  public static final int UPPER_DEVFN = 128;

  public ScalableRootEntry {
    if ((lowerContextTable & 0xFFF) != 0 || (upperContextTable & 0xFFF) != 0) {
      throw new IllegalArgumentException("context-table pointers must be 4 KiB aligned");
    }
  }

  public long lo() {
    return lowerContextTable | Bits.bit(lowerPresent, 0);
  }

  public long hi() {
    return upperContextTable | Bits.bit(upperPresent, 0);
  }

  public static ScalableRootEntry decode(long lo, long hi) {
    return new ScalableRootEntry(Bits.bit(lo, 0), lo & Bits.mask(63, 12), Bits.bit(hi, 0), hi & Bits.mask(63, 12));
  }

  /** True when {@code devfn} is served by the upper half (devfn 128–255). */
  public static boolean upper(int devfn) {
    return devfn >= UPPER_DEVFN;
  }

  /** P of one half (the low or high quadword). */
  public static boolean present(long half) {
    return Bits.bit(half, 0);
  }

  /** Reserved bits set in one half, given the host address width. */
  public static boolean reservedBitsSet(long half, int haw) {
    return (half & (HALF_RESERVED | Bits.above(haw))) != 0;
  }

  /** The context-table pointer of one half. */
  public static long contextTable(long half) {
    return half & Bits.mask(63, 12);
  }

  /** Address of the root entry for {@code bus} in the root table at {@code rootTable}. */
  public static long address(long rootTable, int bus) {
    return rootTable + (long) bus * SIZE;
  }
}
