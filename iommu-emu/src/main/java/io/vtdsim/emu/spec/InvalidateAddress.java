package io.vtdsim.emu.spec;

/**
 * The Invalidate Address register (IVA, at ECAP.IRO×16), VT-d spec 11.4.8.2: ADDR 63:12, IH 6, AM 5:0.
 * Also the layout of the high quadword of a page-selective IOTLB invalidation descriptor.
 */
public record InvalidateAddress(long address, boolean ih, int am) {
  public InvalidateAddress {
    if ((address & 0xFFF) != 0) {
      throw new IllegalArgumentException("address must be 4 KiB aligned: 0x" + Long.toHexString(address));
    }
    if (am < 0 || am > 0x3F) throw new IllegalArgumentException("AM out of range: " + am);
  }

  public long encode() {
    return address | Bits.bit(ih, 6) | am;
  }

  public static InvalidateAddress decode(long v) {
    return new InvalidateAddress(v & Bits.mask(63, 12), Bits.bit(v, 6), (int) Bits.get(v, 5, 0));
  }
}
