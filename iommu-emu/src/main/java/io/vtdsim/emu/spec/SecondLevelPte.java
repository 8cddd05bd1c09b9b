package io.vtdsim.emu.spec;

/**
 * A second-level paging entry (64 bits, 512 per 4 KiB table, VT-d spec 9.8): R 0, W 1, PS 7 (leaf at
 * level 2 = 2 MiB, level 3 = 1 GiB), SNP 11, ADDR 51:12 (masked to the host address width). Bit 62
 * (TM, transient mapping in early spec revisions) is reserved, as QEMU's vtd_spte_rsvd masks
 * (hw/i386/intel_iommu.c) without its {@code stale-tm} property: an entry with it set faults (0xC).
 * There is no present bit: R|W = 0 means not present.
 */
public record SecondLevelPte(boolean read, boolean write, boolean superpage, boolean snoop, long address) {
  public static final int SIZE = 8;
  public static final int ENTRIES = 512;
  public static final long R = 1L;
  public static final long W = 1L << 1;
  public static final long PS = 1L << 7;
  public static final long SNP = 1L << 11;
  public static final long TM = 1L << 62;
  public static final long ADDRESS_MASK = Bits.mask(63, 12);
  /** Bits the hardware ignores: 63 and 61:52 (QEMU's VTD_SL_IGN_COM); TM (62) is not among them. */
  public static final long IGNORED = 0xBFF0_0000_0000_0000L;

  public SecondLevelPte {
    if ((address & 0xFFF) != 0) {
      throw new IllegalArgumentException("PTE address must be 4 KiB aligned: 0x" + Long.toHexString(address));
    }
  }

  public static SecondLevelPte leaf(long address, boolean read, boolean write) {
    return new SecondLevelPte(read, write, false, false, address);
  }

  public long encode() {
    return address | Bits.bit(snoop, 11) | Bits.bit(superpage, 7) | Bits.bit(write, 1) | Bits.bit(read, 0);
  }

  public static SecondLevelPte decode(long v) {
    return new SecondLevelPte(Bits.bit(v, 0), Bits.bit(v, 1), Bits.bit(v, 7), Bits.bit(v, 11), addressOf(v));
  }

  public static boolean present(long v) {
    return (v & (R | W)) != 0;
  }

  public static boolean isSuperpage(long v) {
    return (v & PS) != 0;
  }

  /** Output/next-table address: bits 51:12 (neither the ignored high bits nor TM). */
  public static long addressOf(long v) {
    return v & ADDRESS_MASK & ~IGNORED & ~TM;
  }

  public boolean isPresent() {
    return read || write;
  }

  /**
   * Reserved-bit mask for an entry at {@code level} (1 = PTE … 5 = PML5E) as QEMU's vtd_spte_rsvd
   * tables: SNP (bit 11, unless snoop control), bits at and above HAW up to bit 51, TM (bit 62, at
   * every level: QEMU without stale-tm), PS in a level-4/5 entry, and the sub-page address bits of a
   * 2 MiB (20:12) or 1 GiB (29:12) leaf.
   *
   * @param leaf true when the entry at this level has PS=1 (level 2/3) — the superpage masks apply
   */
  public static long reservedMask(int level, boolean leaf, int haw, boolean snoopControl) {
    long m = (snoopControl ? 0 : SNP) | (Bits.above(haw) & Bits.mask(51, 0)) | TM;
    if (level >= 4) m |= PS;
    if (leaf && level == 2) m |= Bits.mask(20, 12);
    if (leaf && level == 3) m |= Bits.mask(29, 12);
    return m;
  }
}
