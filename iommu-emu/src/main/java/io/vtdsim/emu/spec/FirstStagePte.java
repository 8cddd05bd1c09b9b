package io.vtdsim.emu.spec;

/**
 * A first-stage paging entry (64 bits, 512 per 4 KiB table, VT-d spec 9.7): the x86-64 (IA-32e)
 * paging format, 4-level (PML4E, PDPE, PDE, PTE) or 5-level (PML5E first). P 0, R/W 1, U/S 2, PWT 3,
 * PCD 4, A 5, D 6 (leaves only), PS 7 (a leaf at level 2 = 2 MiB, level 3 = 1 GiB; PAT in a 4 KiB PTE),
 * G 8 (leaves only), EA 10 (extended accessed, with PASID-entry EAFE), ADDR 51:12 (51:21 and 51:30 for
 * large pages, whose bit 12 is PAT), bits 62:52 ignored, XD 63 (execute disable; execute requests are
 * not modelled, so it never denies the read and write requests this unit takes).
 *
 * <p>Reserved bits, as QEMU's VTD_FPTE_* masks: the address bits at and above the host address width
 * (up to 51), PS in a PML4E and PML5E, bits 20:13 of a 2 MiB leaf and 29:13 of a 1 GiB leaf, and PS in a
 * PDPE when CAP.FS1GP is clear.
 */
public record FirstStagePte(
    boolean present,
    boolean writable,
    boolean user,
    boolean pwt,
    boolean pcd,
    boolean accessed,
    boolean dirty,
    boolean pageSize,
    boolean global,
    boolean executeDisable,
    long address) {
  public static final int SIZE = 8;
  public static final int ENTRIES = 512;
  public static final long P = 1L;
  public static final long RW = 1L << 1;
  public static final long US = 1L << 2;
  public static final long PWT = 1L << 3;
  public static final long PCD = 1L << 4;
  public static final long A = 1L << 5;
  public static final long D = 1L << 6;
  public static final long PS = 1L << 7;
  public static final long G = 1L << 8;
  public static final long EA = 1L << 10;
  public static final long XD = 1L << 63;
  public static final long ADDRESS_MASK = Bits.mask(51, 12);

  public FirstStagePte {
    if ((address & ~ADDRESS_MASK) != 0) {
      throw new IllegalArgumentException("first-stage address must be 4 KiB aligned and below 2^52: 0x"
          + Long.toHexString(address));
    }
  }

  /** A present, user-accessible 4 KiB leaf (or, at levels 2–4, a table pointer) as Linux's first-level map writes it. */
  public static FirstStagePte user(long address, boolean writable) {
    return new FirstStagePte(true, writable, true, false, false, false, false, false, false, false, address);
  }

  /** A present, user-accessible large-page leaf (PS=1) at level 2 or 3. */
  public static FirstStagePte userLarge(long address, boolean writable) {
    return new FirstStagePte(true, writable, true, false, false, false, false, true, false, false, address);
  }

  public long encode() {
    return address | Bits.bit(executeDisable, 63) | Bits.bit(global, 8) | Bits.bit(pageSize, 7) | Bits.bit(dirty, 6)
        | Bits.bit(accessed, 5) | Bits.bit(pcd, 4) | Bits.bit(pwt, 3) | Bits.bit(user, 2) | Bits.bit(writable, 1)
        | Bits.bit(present, 0);
  }

  public static FirstStagePte decode(long v) {
    return new FirstStagePte(Bits.bit(v, 0), Bits.bit(v, 1), Bits.bit(v, 2), Bits.bit(v, 3), Bits.bit(v, 4),
        Bits.bit(v, 5), Bits.bit(v, 6), Bits.bit(v, 7), Bits.bit(v, 8), Bits.bit(v, 63), v & ADDRESS_MASK);
  }

  public static boolean present(long v) {
    return (v & P) != 0;
  }

  /** True when the entry at {@code level} maps a page: always at level 1, with PS=1 at levels 2 and 3. */
  public static boolean leaf(long v, int level) {
    return level == 1 || ((level == 2 || level == 3) && (v & PS) != 0);
  }

  /** Output address of a leaf at {@code level}, or next-table address of a non-leaf entry. */
  public static long addressOf(long v, int level, boolean leaf) {
    if (leaf && level >= 2) return v & Bits.mask(51, AddressWidth.levelShift(level));
    return v & ADDRESS_MASK;
  }

  /**
   * Reserved-bit mask for an entry at {@code level} (1 = PTE … 5 = PML5E).
   *
   * @param leaf true when the entry has PS=1 at level 2 or 3
   * @param haw the host address width: address bits from it up to 51 are reserved
   * @param oneGigPages CAP.FS1GP: without it PS in a PDPE is reserved
   */
  public static long reservedMask(int level, boolean leaf, int haw, boolean oneGigPages) {
    if (level < 1 || level > 5) throw new IllegalArgumentException("first-stage level must be 1..5: " + level);
    long m = haw >= 52 ? 0 : Bits.mask(51, haw);
    if (level >= 4) m |= PS;
    if (level == 3 && !oneGigPages) m |= PS;
    if (leaf && level == 2) m |= Bits.mask(20, 13);
    if (leaf && level == 3 && oneGigPages) m |= Bits.mask(29, 13);
    return m;
  }
}
