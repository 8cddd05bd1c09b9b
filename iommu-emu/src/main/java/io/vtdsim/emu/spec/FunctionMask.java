package io.vtdsim.emu.spec;

/**
 * The function mask (FM) of a device-selective context-cache invalidation (VT-d spec 6.5.1.1 /
 * 11.4.7.1): 0 = no bits masked, 1 = mask bit 2 of the SID's function field, 2 = mask bits 2:1, 3 =
 * mask bits 2:0. A cached entry matches when the SIDs agree outside the masked bits.
 */
public final class FunctionMask {
  private FunctionMask() {}

  /** SID bits ignored for a given FM. */
  public static int ignoredBits(int fm) {
    return switch (fm) {
      case 0 -> 0;
      case 1 -> 0b100;
      case 2 -> 0b110;
      case 3 -> 0b111;
      default -> throw new IllegalArgumentException("FM must be 0..3: " + fm);
    };
  }

  public static boolean matches(int sid, int invalidatedSid, int fm) {
    int ignored = ignoredBits(fm);
    return (sid & ~ignored) == (invalidatedSid & ~ignored);
  }
}
