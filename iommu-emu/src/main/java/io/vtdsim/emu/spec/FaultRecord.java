package io.vtdsim.emu.spec;

/**
 * A 128-bit fault-recording register (FRCD), VT-d spec 11.4.14. Low quadword: fault info (page
 * address) 63:12. High quadword: SID 15:0, PP 31, FR 39:32, PASID 59:40, T 62 (1 = read request, as
 * the spec's "Type" field: 0 write, 1 read), F 63 (fault, RW1C).
 */
public record FaultRecord(long pageAddress, int sid, int reason, boolean read, boolean fault) {
  public static final long F = 1L << 63;
  /** Byte offset of the high quadword within a record. */
  public static final int HI_OFFSET = 8;
  /** Byte offset of the dword holding F (bits 127:96): software clears F with a 32-bit write there. */
  public static final int F_DWORD_OFFSET = 12;
  /** F within that dword (bit 31), as Linux's DMA_FRCD_F. */
  public static final int F_IN_DWORD = (int) (F >>> 32);

  public long lo() {
    return pageAddress & Bits.mask(63, 12);
  }

  public long hi() {
    long v = Bits.set(0, 15, 0, sid);
    v = Bits.set(v, 39, 32, reason);
    v |= Bits.bit(read, 62) | Bits.bit(fault, 63);
    return v;
  }

  public static FaultRecord decode(long lo, long hi) {
    return new FaultRecord(
        lo & Bits.mask(63, 12),
        (int) Bits.get(hi, 15, 0),
        (int) Bits.get(hi, 39, 32),
        Bits.bit(hi, 62),
        Bits.bit(hi, 63));
  }
}
