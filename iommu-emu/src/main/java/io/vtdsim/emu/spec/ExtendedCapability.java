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
 * @param nest nested translation: PGTT 011b (26)
 * @param prs page requests (29)
 * @param ers execute requests (30)
 * @param srs supervisor requests (31); QEMU sets it in scalable mode without first-stage
 * @param nwfs no-write flag in translation requests (33)
 * @param eafs extended accessed flag of first-stage entries (34)
 * @param pss PASID size supported minus one (39:35): PASIDs of PSS+1 bits
 * @param pasid requests with PASID (40)
 * @param dit device-TLB invalidation throttling (41)
 * @param vcs virtual command registers (44)
 * @param ssads second-stage accessed/dirty flags (45)
 * @param ssts second-stage translation in scalable mode: PGTT 010b (46); SLTS in spec 3.x
 * @param fsts first-stage translation in scalable mode: PGTT 001b (47); FLTS in spec 3.x
 * @param smpwcs scalable-mode page-walk coherency (48)
 * @param rps RID_PASID field of the scalable-mode context entry (49); without it RID_PASID is 0
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
    boolean smts,
    boolean nest,
    boolean prs,
    boolean ers,
    boolean srs,
    boolean nwfs,
    boolean eafs,
    int pss,
    boolean pasid,
    boolean dit,
    boolean vcs,
    boolean ssads,
    boolean ssts,
    boolean fsts,
    boolean smpwcs,
    boolean rps) {

  public ExtendedCapability {
    if (iro < 0 || iro > 0x3FF) throw new IllegalArgumentException("ECAP.iro out of range: " + iro);
    if (mhmv < 0 || mhmv > 0xF) throw new IllegalArgumentException("ECAP.mhmv out of range: " + mhmv);
    if (pss < 0 || pss > 0x1F) throw new IllegalArgumentException("ECAP.pss out of range: " + pss);
  }

  /** The legacy-mode fields only; every scalable-mode field (bits 26–49 except PDS and SMTS) clear. */
  public ExtendedCapability(boolean c, boolean qi, boolean dt, boolean ir, boolean eim, boolean pt, boolean sc,
      int iro, int mhmv, boolean pds, boolean smts) {
    this(c, qi, dt, ir, eim, pt, sc, iro, mhmv, pds, smts,
        false, false, false, false, false, false, 0, false, false, false, false, false, false, false, false);
  }

  public long encode() {
    long v = Bits.bit(c, 0) | Bits.bit(qi, 1) | Bits.bit(dt, 2) | Bits.bit(ir, 3) | Bits.bit(eim, 4);
    v |= Bits.bit(pt, 6) | Bits.bit(sc, 7);
    v = Bits.set(v, 17, 8, iro);
    v = Bits.set(v, 23, 20, mhmv);
    v |= Bits.bit(nest, 26) | Bits.bit(prs, 29) | Bits.bit(ers, 30) | Bits.bit(srs, 31);
    v |= Bits.bit(nwfs, 33) | Bits.bit(eafs, 34);
    v = Bits.set(v, 39, 35, pss);
    v |= Bits.bit(pasid, 40) | Bits.bit(dit, 41) | Bits.bit(pds, 42) | Bits.bit(smts, 43);
    v |= Bits.bit(vcs, 44) | Bits.bit(ssads, 45) | Bits.bit(ssts, 46) | Bits.bit(fsts, 47);
    v |= Bits.bit(smpwcs, 48) | Bits.bit(rps, 49);
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
        Bits.bit(v, 43),
        Bits.bit(v, 26),
        Bits.bit(v, 29),
        Bits.bit(v, 30),
        Bits.bit(v, 31),
        Bits.bit(v, 33),
        Bits.bit(v, 34),
        (int) Bits.get(v, 39, 35),
        Bits.bit(v, 40),
        Bits.bit(v, 41),
        Bits.bit(v, 44),
        Bits.bit(v, 45),
        Bits.bit(v, 46),
        Bits.bit(v, 47),
        Bits.bit(v, 48),
        Bits.bit(v, 49));
  }

  public ExtendedCapability withQi(boolean on) {
    return decode(Bits.set(encode(), 1, 1, on ? 1 : 0));
  }

  /** With or without device-TLB support (DT): TT=01b context entries and ATS requests. */
  public ExtendedCapability withDt(boolean on) {
    return decode(Bits.set(encode(), 2, 2, on ? 1 : 0));
  }

  /** PASID width in bits when {@link #pasid} is set (PSS + 1), else 0. */
  public int pasidBits() {
    return pasid ? pss + 1 : 0;
  }
}
