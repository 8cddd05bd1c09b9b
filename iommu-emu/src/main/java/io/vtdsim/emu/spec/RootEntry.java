package io.vtdsim.emu.spec;

/**
 * A legacy-mode root entry (128 bits, one per bus, VT-d spec 9.1): lo bit 0 P, bits 63:12 context-table
 * pointer; bits 11:1 and the whole high quadword reserved.
 */
public record RootEntry(boolean present, long contextTablePointer) {
  public static final int SIZE = 16;
  public static final long LO_RESERVED = Bits.mask(11, 1);

  public long lo() {
    return (contextTablePointer & Bits.mask(63, 12)) | Bits.bit(present, 0);
  }

  public long hi() {
    return 0;
  }

  /** P (bit 0) of a root entry's low quadword. */
  public static boolean present(long lo) {
    return Bits.bit(lo, 0);
  }

  public static RootEntry decode(long lo) {
    return new RootEntry(Bits.bit(lo, 0), lo & Bits.mask(63, 12));
  }

  /** True when reserved bits are set, given the host address width (bits above HAW are reserved). */
  public static boolean reservedBitsSet(long lo, long hi, int haw) {
    return (lo & (LO_RESERVED | Bits.above(haw))) != 0 || hi != 0;
  }

  /** Address of the root entry for {@code bus} in the root table at {@code rootTable}. */
  public static long address(long rootTable, int bus) {
    return rootTable + (long) bus * SIZE;
  }
}
