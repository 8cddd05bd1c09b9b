package io.vtdsim.emu.spec;

/**
 * A legacy-mode context entry (128 bits, indexed by devfn, VT-d spec 9.3). Lo: P 0, FPD 1, TT 3:2,
 * SLPTPTR 63:12 (bits 11:4 reserved). Hi: AW 2:0 (levels = AW+2), bit 3 ignored (Linux used it as a
 * "copied" marker), DID 23:8; bits 7:4 and 63:24 reserved.
 */
public record ContextEntry(
    boolean present, boolean fpd, TranslationType tt, long slptptr, int aw, int did) {
  public static final int SIZE = 16;
  public static final long LO_RESERVED = Bits.mask(11, 4);
  public static final long HI_RESERVED = Bits.mask(7, 4) | Bits.mask(63, 24);

  public ContextEntry {
    if (aw < 0 || aw > 7) throw new IllegalArgumentException("AW out of range: " + aw);
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("DID out of range: " + did);
    if ((slptptr & 0xFFF) != 0) {
      throw new IllegalArgumentException("SLPTPTR must be 4 KiB aligned: 0x" + Long.toHexString(slptptr));
    }
  }

  public long lo() {
    return slptptr | ((long) tt.encoding() << 2) | Bits.bit(fpd, 1) | Bits.bit(present, 0);
  }

  public long hi() {
    return ((long) did << 8) | aw;
  }

  /** P (bit 0) of a context entry's low quadword. */
  public static boolean present(long lo) {
    return Bits.bit(lo, 0);
  }

  public static ContextEntry decode(long lo, long hi) {
    return new ContextEntry(
        Bits.bit(lo, 0),
        Bits.bit(lo, 1),
        TranslationType.of((int) Bits.get(lo, 3, 2)),
        lo & Bits.mask(63, 12),
        (int) Bits.get(hi, 2, 0),
        (int) Bits.get(hi, 23, 8));
  }

  public static boolean reservedBitsSet(long lo, long hi, int haw) {
    return (lo & (LO_RESERVED | Bits.above(haw))) != 0 || (hi & HI_RESERVED) != 0;
  }

  /** Number of second-level paging levels this entry selects (AW + 2). */
  public int levels() {
    return aw + 2;
  }

  /** Address of the context entry for {@code devfn} in the context table at {@code contextTable}. */
  public static long address(long contextTable, int devfn) {
    return contextTable + (long) devfn * SIZE;
  }
}
