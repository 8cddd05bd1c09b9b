package io.vtdsim.emu.spec;

/**
 * The Root Table Address register (RTADDR, 0x20, VT-d spec 11.4.6): RTA 63:12 and TTM 11:10, the
 * translation table mode latched by SRTP: 00b legacy root/context tables, 01b scalable-mode tables
 * (bit 10 is what Linux calls DMA_RTADDR_SMT and QEMU VTD_RTADDR_SMT), 10b reserved, 11b abort-DMA mode
 * (only with ECAP.ADMS, which no preset reports).
 */
public record RootTableAddress(long address, Mode mode) {
  public static final long SMT = 1L << 10;

  public enum Mode {
    LEGACY,
    SCALABLE,
    RESERVED,
    ABORT_DMA
  }

  public RootTableAddress {
    if ((address & 0xFFF) != 0) throw new IllegalArgumentException("root table must be 4 KiB aligned");
    if (mode == null) throw new IllegalArgumentException("mode is required");
  }

  public long encode() {
    return address | ((long) mode.ordinal() << 10);
  }

  public static RootTableAddress decode(long v) {
    return new RootTableAddress(v & Bits.mask(63, 12), Mode.values()[(int) Bits.get(v, 11, 10)]);
  }

  /**
   * Whether a unit with these capabilities accepts the mode at translation time: legacy always,
   * scalable with ECAP.SMTS; reserved and abort-DMA (no ADMS here) never — a request then faults
   * with {@link FaultReason#ROOT_TABLE_MODE_INVALID}.
   */
  public static boolean supported(Mode mode, ExtendedCapability ecap) {
    return mode == Mode.LEGACY || (mode == Mode.SCALABLE && ecap.smts());
  }
}
