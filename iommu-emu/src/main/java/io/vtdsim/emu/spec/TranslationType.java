package io.vtdsim.emu.spec;

/** Legacy context-entry translation type (TT, bits 3:2), VT-d spec 9.3. */
public enum TranslationType {
  /** Untranslated requests go through the second-level tables; ATS requests are blocked (fault 0xD). */
  MULTI_LEVEL(0),
  /** As MULTI_LEVEL, and translated/translation requests are allowed (device-TLB); requires ECAP.DT. */
  MULTI_LEVEL_DEVICE_TLB(1),
  /** Untranslated requests are passed through (identity), ATS requests blocked (0xD); requires ECAP.PT. */
  PASS_THROUGH(2),
  /** Reserved encoding. */
  RESERVED(3);

  private static final TranslationType[] VALUES = values();

  private final int encoding;

  TranslationType(int encoding) {
    this.encoding = encoding;
  }

  public int encoding() {
    return encoding;
  }

  public static TranslationType of(int encoding) {
    return VALUES[encoding & 3];
  }
}
