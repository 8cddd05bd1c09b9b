package io.vtdsim.emu.spec;

/**
 * Legacy-mode DMA-remapping fault reasons, VT-d spec 7.1.3 (table "Unrecoverable fault conditions").
 * A qualified fault is suppressed when the context entry has FPD=1.
 */
public enum FaultReason {
  ROOT_NOT_PRESENT(0x1, false),
  CONTEXT_NOT_PRESENT(0x2, true),
  CONTEXT_INVALID(0x3, true),
  ADDRESS_BEYOND_MGAW(0x4, true),
  WRITE_DENIED(0x5, true),
  READ_DENIED(0x6, true),
  PAGING_ENTRY_UNREADABLE(0x7, true),
  ROOT_TABLE_UNREADABLE(0x8, false),
  CONTEXT_TABLE_UNREADABLE(0x9, false),
  ROOT_RESERVED(0xA, false),
  CONTEXT_RESERVED(0xB, false),
  PAGING_ENTRY_RESERVED(0xC, true),
  TRANSLATION_TYPE_BLOCKED(0xD, true),
  INTERRUPT_ADDRESS(0xE, true);

  private final int code;
  private final boolean qualified;

  FaultReason(int code, boolean qualified) {
    this.code = code;
    this.qualified = qualified;
  }

  public int code() {
    return code;
  }

  /** True when FPD=1 in the context entry suppresses the recording of this fault. */
  public boolean qualified() {
    return qualified;
  }

  public static FaultReason ofCode(int code) {
    for (FaultReason r : values()) {
      if (r.code == code) return r;
    }
    throw new IllegalArgumentException("unknown fault reason 0x" + Integer.toHexString(code));
  }
}
