package io.vtdsim.emu.spec;

/**
 * A scalable-mode context entry (256 bits, 128 per 4 KiB context table, VT-d spec 9.4). Quadword 0:
 * P 0, FPD 1, DTE 2 (device-TLB enable), PASIDE 3 (requests with PASID enabled), PRE 4 (page requests
 * enable), 8:5 reserved, PDTS 11:9 (the PASID directory has 2^(PDTS+7) entries), PASIDDIRPTR 63:12.
 * Quadword 1: RID_PASID 19:0 (the PASID used for requests without PASID; 0 without ECAP.RPS), RID_PRIV
 * 20, 63:21 reserved. Quadwords 2 and 3 reserved. Reserved masks as QEMU's
 * VTD_SM_CONTEXT_ENTRY_RSVD_VAL0/1 ({@code 0x1e0 | bits above HAW}, {@code 0xffffffffffe00000});
 * Linux writes these fields in {@code context_entry_set_pasid_table} (drivers/iommu/intel/pasid.c).
 */
public record ScalableContextEntry(boolean present, boolean fpd, boolean deviceTlb, boolean pasidEnable,
    boolean pageRequest, int pdts, long pasidDirectory, int ridPasid, boolean ridPriv) {
  public static final int SIZE = 32;
  /** Entries per context table: 128 of 32 bytes. */
  public static final int ENTRIES = 128;
  public static final long Q0_RESERVED = Bits.mask(8, 5);
  public static final long Q1_RESERVED = Bits.mask(63, 21);
  public static final int MAX_PASID = (1 << 20) - 1;

  public ScalableContextEntry {
    if (pdts < 0 || pdts > 7) throw new IllegalArgumentException("PDTS out of range: " + pdts);
    if ((pasidDirectory & 0xFFF) != 0) {
      throw new IllegalArgumentException("PASIDDIRPTR must be 4 KiB aligned: 0x" + Long.toHexString(pasidDirectory));
    }
    if (ridPasid < 0 || ridPasid > MAX_PASID) throw new IllegalArgumentException("RID_PASID out of range: " + ridPasid);
  }

  /** A present entry with a PASID directory of 2^(pdts+7) entries and RID_PASID {@code ridPasid}. */
  public static ScalableContextEntry of(long pasidDirectory, int pdts, int ridPasid) {
    return new ScalableContextEntry(true, false, false, false, false, pdts, pasidDirectory, ridPasid, false);
  }

  public long[] encode() {
    long q0 = pasidDirectory | ((long) pdts << 9) | Bits.bit(pageRequest, 4) | Bits.bit(pasidEnable, 3)
        | Bits.bit(deviceTlb, 2) | Bits.bit(fpd, 1) | Bits.bit(present, 0);
    long q1 = (long) ridPasid | Bits.bit(ridPriv, 20);
    return new long[] {q0, q1, 0, 0};
  }

  public static ScalableContextEntry decode(long q0, long q1) {
    return new ScalableContextEntry(Bits.bit(q0, 0), Bits.bit(q0, 1), Bits.bit(q0, 2), Bits.bit(q0, 3),
        Bits.bit(q0, 4), (int) Bits.get(q0, 11, 9), q0 & Bits.mask(63, 12), (int) Bits.get(q1, 19, 0),
        Bits.bit(q1, 20));
  }

  /** P (bit 0) of quadword 0. */
  public static boolean present(long q0) {
    return Bits.bit(q0, 0);
  }

  /** Reserved bits set in the entry's four quadwords, given the host address width. */
  public static boolean reservedBitsSet(long q0, long q1, long q2, long q3, int haw) {
    return (q0 & (Q0_RESERVED | Bits.above(haw))) != 0 || (q1 & Q1_RESERVED) != 0 || q2 != 0 || q3 != 0;
  }

  /** Entries of the PASID directory: 2^(PDTS+7). */
  public long directoryEntries() {
    return 1L << (pdts + 7);
  }

  /** Address of the entry for {@code devfn} in the scalable-mode context table at {@code table}. */
  public static long address(long table, int devfn) {
    return table + (long) (devfn & (ENTRIES - 1)) * SIZE;
  }
}
