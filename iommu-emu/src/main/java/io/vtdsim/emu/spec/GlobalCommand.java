package io.vtdsim.emu.spec;

/**
 * GCMD (0x18) command bits and the matching GSTS (0x1C) status bits, VT-d spec 11.4.4/11.4.5. The
 * status bit sits at the same position as its command bit.
 */
public final class GlobalCommand {
  private GlobalCommand() {}

  /** Translation enable / TES. */
  public static final int TE = 1 << 31;
  /** Set root table pointer (one-shot) / RTPS. */
  public static final int SRTP = 1 << 30;
  /** Set fault log (one-shot) / FLS. */
  public static final int SFL = 1 << 29;
  /** Enable advanced fault logging / AFLS. */
  public static final int EAFL = 1 << 28;
  /** Write-buffer flush (one-shot) / WBFS. */
  public static final int WBF = 1 << 27;
  /** Queued invalidation enable / QIES. */
  public static final int QIE = 1 << 26;
  /** Interrupt remapping enable / IRES. */
  public static final int IRE = 1 << 25;
  /** Set interrupt remap table pointer (one-shot) / IRTPS. */
  public static final int SIRTP = 1 << 24;
  /** Compatibility format interrupt / CFIS. */
  public static final int CFI = 1 << 23;

  /** GCMD writable bits (31:23). */
  public static final int WRITABLE = 0xFF80_0000;

  public static String describe(int value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value, TE, "TE");
    append(sb, value, SRTP, "SRTP");
    append(sb, value, SFL, "SFL");
    append(sb, value, EAFL, "EAFL");
    append(sb, value, WBF, "WBF");
    append(sb, value, QIE, "QIE");
    append(sb, value, IRE, "IRE");
    append(sb, value, SIRTP, "SIRTP");
    append(sb, value, CFI, "CFI");
    return sb.length() == 0 ? "-" : sb.toString();
  }

  private static void append(StringBuilder sb, int value, int bit, String name) {
    if ((value & bit) != 0) {
      if (sb.length() > 0) sb.append('|');
      sb.append(name);
    }
  }
}
