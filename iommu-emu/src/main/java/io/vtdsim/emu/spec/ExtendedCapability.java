package io.vtdsim.emu.spec;

/**
 * The Extended Capability register (ECAP, offset 0x10), VT-d spec 11.4.3.
 *
 * @param c page-walk coherency (0)
 * @param qi queued invalidation (1)
 * @param dt device-TLB (2)
 * @param ir interrupt remapping (3)
 * @param eim extended interrupt mode (4)
 * @param pt pass-through (6)
 * @param sc snoop control (7)
 * @param iro IOTLB register offset in 16-byte units (17:8)
 * @param mhmv maximum handle mask value (23:20)
 * @param pds page-drain support (42); gates the PD bit of wait descriptors
 * @param smts scalable-mode translation (43)
 */
public record ExtendedCapability(
    boolean c,
    boolean qi,
    boolean dt,
    boolean ir,
    boolean eim,
    boolean pt,
    boolean sc,
    int iro,
    int mhmv,
    boolean pds,
    boolean smts) {

  public ExtendedCapability {
    if (iro < 0 || iro > 0x3FF) throw new IllegalArgumentException("ECAP.iro out of range: " + iro);
    if (mhmv < 0 || mhmv > 0xF) throw new IllegalArgumentException("ECAP.mhmv out of range: " + mhmv);
  }

  public long encode() {
    long v = Bits.bit(c, 0) | Bits.bit(qi, 1) | Bits.bit(dt, 2) | Bits.bit(ir, 3) | Bits.bit(eim, 4);
    v |= Bits.bit(pt, 6) | Bits.bit(sc, 7);
    v = Bits.set(v, 17, 8, iro);
    v = Bits.set(v, 23, 20, mhmv);
    v |= Bits.bit(pds, 42) | Bits.bit(smts, 43);
    return v;
  }

  public static ExtendedCapability decode(long v) {
    return new ExtendedCapability(
        Bits.bit(v, 0),
        Bits.bit(v, 1),
        Bits.bit(v, 2),
        Bits.bit(v, 3),
        Bits.bit(v, 4),
        Bits.bit(v, 6),
        Bits.bit(v, 7),
        (int) Bits.get(v, 17, 8),
        (int) Bits.get(v, 23, 20),
        Bits.bit(v, 42),
        Bits.bit(v, 43));
  }

  public ExtendedCapability withQi(boolean on) {
    return new ExtendedCapability(c, on, dt, ir, eim, pt, sc, iro, mhmv, pds, smts);
  }

  /** With or without device-TLB support (DT): TT=01b context entries and ATS requests. */
  public ExtendedCapability withDt(boolean on) {
    return new ExtendedCapability(c, qi, on, ir, eim, pt, sc, iro, mhmv, pds, smts);
  }
}
