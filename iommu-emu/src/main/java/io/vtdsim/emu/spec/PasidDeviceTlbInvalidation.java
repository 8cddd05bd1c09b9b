package io.vtdsim.emu.spec;

/**
 * PASID-based device-TLB invalidate descriptor (type 8, 256-bit queues only, VT-d spec 6.5.2.6): Q0
 * QDEP 8:4, PFSID 15:12 and 63:52, SID 31:16, PASID 51:32; Q1 G 0 (all PASIDs), S 11, ADDR 63:12 (the
 * size encoded by S and the trailing 1-bits of ADDR, as in the legacy device-TLB descriptor), bits
 * 10:1 reserved; Q2 and Q3 reserved. Encodings as Linux's QI_DEV_EIOTLB_* (qi_flush_dev_iotlb_pasid).
 */
public record PasidDeviceTlbInvalidation(int sid, int pfsid, int qdep, int pasid, boolean allPasids, long address,
    boolean size) implements InvalidationDescriptor {
  public static final long HI_RESERVED = Bits.mask(10, 1);

  public PasidDeviceTlbInvalidation {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("SID out of range: " + sid);
    if (pfsid < 0 || pfsid > 0xFFFF) throw new IllegalArgumentException("PFSID out of range: " + pfsid);
    if (qdep < 0 || qdep > 0x1F) throw new IllegalArgumentException("QDEP out of range: " + qdep);
    if (pasid < 0 || pasid > ScalableContextEntry.MAX_PASID) throw new IllegalArgumentException("PASID out of range: " + pasid);
    if ((address & 0xFFF) != 0) throw new IllegalArgumentException("ADDR must be 4 KiB aligned");
  }

  @Override
  public long lo() {
    return TYPE_PASID_DEVICE_TLB | ((long) qdep << 4) | ((long) (pfsid & 0xF) << 12) | ((long) sid << 16)
        | ((long) pasid << 32) | ((long) (pfsid >>> 4) << 52);
  }

  @Override
  public long hi() {
    return address | Bits.bit(size, 11) | Bits.bit(allPasids, 0);
  }

  /** Bytes covered: 4 KiB, or with S the span given by the trailing 1-bits above bit 12. */
  public long coveredSize() {
    if (!size) return 4096;
    int ones = Long.numberOfTrailingZeros(~(address >>> 12));
    return ones >= 51 ? -1L : 1L << (13 + ones);
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    if ((hi & HI_RESERVED) != 0) return new Malformed(lo, hi, "PASID-based device-TLB invalidation: reserved bits set");
    int pfsid = (int) (Bits.get(lo, 15, 12) | (Bits.get(lo, 63, 52) << 4));
    return new PasidDeviceTlbInvalidation((int) Bits.get(lo, 31, 16), pfsid, (int) Bits.get(lo, 8, 4),
        (int) Bits.get(lo, 51, 32), Bits.bit(hi, 0), hi & Bits.mask(63, 12), Bits.bit(hi, 11));
  }

  @Override
  public String describe() {
    return String.format("DEVTLB-PASID SID=%s PASID=%s ADDR=0x%x size=0x%x", SourceId.of(sid),
        allPasids ? "all" : Integer.toString(pasid), address, coveredSize());
  }
}
