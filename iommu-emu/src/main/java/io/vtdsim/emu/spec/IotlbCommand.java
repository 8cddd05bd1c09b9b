package io.vtdsim.emu.spec;

/**
 * The IOTLB Invalidate register (at ECAP.IRO×16 + 8), VT-d spec 11.4.8.1: IVT 63, IIRG 61:60
 * (requested granularity: 1 global, 2 domain, 3 page), IAIG 58:57 (actual, set by hardware), DR 49,
 * DW 48, DID 47:32.
 */
public record IotlbCommand(boolean ivt, int iirg, int iaig, boolean dr, boolean dw, int did) {
  public static final long IVT = 1L << 63;
  /** IAIG, the actual invalidation granularity the hardware reports. */
  public static final long IAIG_MASK = Bits.mask(58, 57);

  /** {@code iotlb} with IVT cleared and IAIG set to {@code iaig}: a completed request. */
  public static long completed(long iotlb, int iaig) {
    return Bits.set(iotlb & ~IVT, 58, 57, iaig);
  }

  public long encode() {
    long v = Bits.bit(ivt, 63);
    v = Bits.set(v, 61, 60, iirg);
    v = Bits.set(v, 58, 57, iaig);
    v |= Bits.bit(dr, 49) | Bits.bit(dw, 48);
    v = Bits.set(v, 47, 32, did);
    return v;
  }

  public static IotlbCommand decode(long v) {
    return new IotlbCommand(
        Bits.bit(v, 63),
        (int) Bits.get(v, 61, 60),
        (int) Bits.get(v, 58, 57),
        Bits.bit(v, 49),
        Bits.bit(v, 48),
        (int) Bits.get(v, 47, 32));
  }
}
