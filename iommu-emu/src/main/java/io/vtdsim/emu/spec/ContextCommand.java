package io.vtdsim.emu.spec;

/**
 * The Context Command register (CCMD, 0x28), VT-d spec 11.4.7: register-based context-cache
 * invalidation. ICC 63, CIRG 62:61 (requested granularity), CAIG 60:59 (actual, set by hardware), FM
 * 33:32, SID 31:16, DID 15:0.
 */
public record ContextCommand(boolean icc, int cirg, int caig, int fm, int sid, int did) {
  public static final long ICC = 1L << 63;
  /** CAIG, the actual invalidation granularity the hardware reports. */
  public static final long CAIG_MASK = Bits.mask(60, 59);

  /** {@code ccmd} with ICC cleared and CAIG set to {@code caig}: a completed request. */
  public static long completed(long ccmd, int caig) {
    return Bits.set(ccmd & ~ICC, 60, 59, caig);
  }

  public long encode() {
    long v = Bits.bit(icc, 63);
    v = Bits.set(v, 62, 61, cirg);
    v = Bits.set(v, 60, 59, caig);
    v = Bits.set(v, 33, 32, fm);
    v = Bits.set(v, 31, 16, sid);
    v = Bits.set(v, 15, 0, did);
    return v;
  }

  public static ContextCommand decode(long v) {
    return new ContextCommand(
        Bits.bit(v, 63),
        (int) Bits.get(v, 62, 61),
        (int) Bits.get(v, 60, 59),
        (int) Bits.get(v, 33, 32),
        (int) Bits.get(v, 31, 16),
        (int) Bits.get(v, 15, 0));
  }
}
