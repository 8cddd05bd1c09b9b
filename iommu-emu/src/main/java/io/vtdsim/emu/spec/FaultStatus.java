package io.vtdsim.emu.spec;

/**
 * FSTS (0x34), FECTL (0x38), ICS (0x9C) and IECTL (0xA0) bits, VT-d spec 11.4.6, 11.4.9.
 */
public final class FaultStatus {
  private FaultStatus() {}

  /** Primary fault overflow (RW1C). */
  public static final int PFO = 1 << 0;
  /** Primary pending fault (read-only, derived from the fault records' F bits). */
  public static final int PPF = 1 << 1;
  /** Invalidation queue error (RW1C). */
  public static final int IQE = 1 << 4;
  /** Invalidation completion error (RW1C). */
  public static final int ICE = 1 << 5;
  /** Invalidation time-out error (RW1C). */
  public static final int ITE = 1 << 6;
  /** Page request overflow (RW1C). */
  public static final int PRO = 1 << 7;
  /** Fault record index, bits 15:8. */
  public static final int FRI_SHIFT = 8;
  public static final int FRI_MASK = 0xFF << FRI_SHIFT;
  /** The RW1C bits of FSTS. */
  public static final int W1C = PFO | IQE | ICE | ITE | PRO;

  /** FECTL/IECTL interrupt mask. */
  public static final int IM = 1 << 31;
  /** FECTL/IECTL interrupt pending (read-only). */
  public static final int IP = 1 << 30;

  /** ICS invalidation wait descriptor complete (RW1C). */
  public static final int IWC = 1;

  public static int fri(int fsts) {
    return (fsts & FRI_MASK) >>> FRI_SHIFT;
  }

  public static String describe(int fsts) {
    StringBuilder sb = new StringBuilder();
    if ((fsts & PFO) != 0) sb.append("PFO ");
    if ((fsts & PPF) != 0) sb.append("PPF ");
    if ((fsts & IQE) != 0) sb.append("IQE ");
    if ((fsts & ICE) != 0) sb.append("ICE ");
    if ((fsts & ITE) != 0) sb.append("ITE ");
    if ((fsts & PRO) != 0) sb.append("PRO ");
    sb.append("FRI=").append(fri(fsts));
    return sb.toString();
  }
}
