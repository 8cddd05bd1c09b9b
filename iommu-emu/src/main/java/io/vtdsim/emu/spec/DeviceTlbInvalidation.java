package io.vtdsim.emu.spec;

/**
 * Device-TLB invalidate descriptor (type 3, VT-d spec 6.5.2.5): lo SID 47:32, MIP/QDEP 20:16, PFSID
 * 15:12 and 63:52; hi ADDR 63:12 with the size encoded by S (bit 0) and trailing 1-bits of the address.
 * Reserved masks as QEMU (lo 0xFFFF_0000_FFE0_F1F0 ignoring PFSID, hi 0xFFE).
 */
public record DeviceTlbInvalidation(int sid, int qdep, long address, boolean size)
    implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0x0000_0000_FFE0_01F0L | Bits.mask(51, 48);
  public static final long HI_RESERVED = 0xFFEL;

  public DeviceTlbInvalidation {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("SID out of range: " + sid);
    if (qdep < 0 || qdep > 0x1F) throw new IllegalArgumentException("QDEP out of range: " + qdep);
    if ((address & 0xFFF) != 0) throw new IllegalArgumentException("ADDR must be 4 KiB aligned");
  }

  @Override
  public long lo() {
    return TYPE_DEVICE_TLB | ((long) qdep << 16) | ((long) sid << 32);
  }

  @Override
  public long hi() {
    return address | Bits.bit(size, 0);
  }

  /** Bytes covered: 4 KiB, or with S the span given by the trailing 1-bits above bit 12. */
  public long coveredSize() {
    if (!size) return 4096;
    long a = address >>> 12;
    int ones = Long.numberOfTrailingZeros(~a);
    return 1L << (13 + ones);
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    if ((lo & LO_RESERVED) != 0 || (hi & HI_RESERVED) != 0) {
      return new Malformed(lo, hi, "device-TLB invalidation: reserved bits set");
    }
    return new DeviceTlbInvalidation(
        (int) Bits.get(lo, 47, 32), (int) Bits.get(lo, 20, 16), hi & Bits.mask(63, 12), Bits.bit(hi, 0));
  }

  @Override
  public String describe() {
    return String.format("DEVTLB SID=%s ADDR=0x%x size=0x%x", SourceId.of(sid), address, coveredSize());
  }
}
