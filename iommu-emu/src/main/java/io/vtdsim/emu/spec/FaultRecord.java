package io.vtdsim.emu.spec;

/**
 * A 128-bit fault-recording register (FRCD), VT-d spec 11.4.14. Low quadword: fault info (page
 * address) 63:12. High quadword: SID 15:0, PP 31, FR 39:32, PASID 59:40, AT 61:60 (the request's
 * address type, {@link RequestType#addressType()}; RsvdZ on a unit without ECAP.DT), T 62 (1 = read
 * request, as the spec's "Type" field: 0 write, 1 read), F 63 (fault, RW1C).
 *
 * <p>{@code pasid} is the PASID Value field (59:40); legacy-mode hardware leaves it 0 (PP = 0), and
 * QEMU 7.2 fills 0xffff there for faults of its second-level walk.
 */
public record FaultRecord(
    long pageAddress, int sid, int reason, boolean read, boolean fault, int addressType, int pasid) {
  /** PASID value that QEMU 7.2 records (PCI_NO_PASID, -1, cut to 16 bits by VTD_FRCD_PV). */
  public static final int QEMU_NO_PASID = 0xffff;

  public FaultRecord {
    if (addressType < 0 || addressType > 3) throw new IllegalArgumentException("AT out of range: " + addressType);
    if (pasid < 0 || pasid > 0xF_FFFF) throw new IllegalArgumentException("PASID out of range: " + pasid);
  }

  /** A record with PV = 0. */
  public FaultRecord(long pageAddress, int sid, int reason, boolean read, boolean fault, int addressType) {
    this(pageAddress, sid, reason, read, fault, addressType, 0);
  }

  /** A record of an untranslated request (AT=00b). */
  public FaultRecord(long pageAddress, int sid, int reason, boolean read, boolean fault) {
    this(pageAddress, sid, reason, read, fault, 0, 0);
  }

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
    v = Bits.set(v, 59, 40, pasid);
    v = Bits.set(v, 61, 60, addressType);
    v |= Bits.bit(read, 62) | Bits.bit(fault, 63);
    return v;
  }

  public static FaultRecord decode(long lo, long hi) {
    return new FaultRecord(
        lo & Bits.mask(63, 12),
        (int) Bits.get(hi, 15, 0),
        (int) Bits.get(hi, 39, 32),
        Bits.bit(hi, 62),
        Bits.bit(hi, 63),
        (int) Bits.get(hi, 61, 60),
        (int) Bits.get(hi, 59, 40));
  }
}
