package io.vtdsim.emu.spec;

/**
 * A scalable-mode PASID-directory entry (64 bits, VT-d spec 9.5): P 0, FPD 1, 11:2 reserved, SMPTBLPTR
 * 63:12 (a PASID table of 64 entries). The directory is indexed by PASID 19:6, the table by PASID 5:0
 * (QEMU's VTD_PASID_DIR_INDEX / VTD_PASID_TABLE_INDEX; Linux's PASID_PDE_SHIFT 6).
 */
public record PasidDirectoryEntry(boolean present, boolean fpd, long pasidTable) {
  public static final int SIZE = 8;
  /** PASID bits below the directory index: 6 (64 PASID-table entries per directory entry). */
  public static final int PASID_PDE_SHIFT = 6;
  public static final long RESERVED = Bits.mask(11, 2);

  public PasidDirectoryEntry {
    if ((pasidTable & 0xFFF) != 0) {
      throw new IllegalArgumentException("SMPTBLPTR must be 4 KiB aligned: 0x" + Long.toHexString(pasidTable));
    }
  }

  public long encode() {
    return pasidTable | Bits.bit(fpd, 1) | Bits.bit(present, 0);
  }

  public static PasidDirectoryEntry decode(long v) {
    return new PasidDirectoryEntry(Bits.bit(v, 0), Bits.bit(v, 1), v & Bits.mask(63, 12));
  }

  public static boolean present(long v) {
    return Bits.bit(v, 0);
  }

  public static boolean reservedBitsSet(long v, int haw) {
    return (v & (RESERVED | Bits.above(haw))) != 0;
  }

  /** Directory index of {@code pasid}: bits 19:6. */
  public static int index(int pasid) {
    return pasid >>> PASID_PDE_SHIFT;
  }

  /** Address of the directory entry for {@code pasid} in the directory at {@code directory}. */
  public static long address(long directory, int pasid) {
    return directory + (long) index(pasid) * SIZE;
  }
}
