package io.vtdsim.emu.spec;

/**
 * PGTT (bits 8:6 of a PASID-table entry, VT-d spec 9.6): which stage(s) translate requests of that
 * PASID. QEMU: VTD_SM_PASID_ENTRY_FLT / SLT / NESTED / PT; Linux: PASID_ENTRY_PGTT_FL_ONLY (1),
 * _SL_ONLY (2), _NESTED (3), _PT (4).
 */
public enum PasidGranularTranslationType {
  /** First-stage only (x86-64 paging structures at FSPTPTR); requires ECAP.FSTS. */
  FIRST_STAGE(1),
  /** Second-stage only (the legacy-format tables at SSPTPTR); requires ECAP.SSTS. */
  SECOND_STAGE(2),
  /** First stage, each table and output address translated by the second stage; requires ECAP.NEST. */
  NESTED(3),
  /** Pass-through: the output address is the input address; requires ECAP.PT. */
  PASS_THROUGH(4),
  /** 000b and 101b–111b. */
  RESERVED(-1);

  private final int encoding;

  PasidGranularTranslationType(int encoding) {
    this.encoding = encoding;
  }

  /** The 3-bit encoding; RESERVED has none (it encodes as 0). */
  public int encoding() {
    return Math.max(encoding, 0);
  }

  public static PasidGranularTranslationType of(int encoding) {
    return switch (encoding) {
      case 1 -> FIRST_STAGE;
      case 2 -> SECOND_STAGE;
      case 3 -> NESTED;
      case 4 -> PASS_THROUGH;
      default -> RESERVED;
    };
  }

  /** True when this type walks first-stage tables (first-stage only or nested). */
  public boolean firstStage() {
    return this == FIRST_STAGE || this == NESTED;
  }

  /** Whether a unit with these extended capabilities supports the type (spec 9.6, ECAP bits). */
  public boolean supportedBy(ExtendedCapability ecap) {
    return switch (this) {
      case FIRST_STAGE -> ecap.fsts();
      case SECOND_STAGE -> ecap.ssts();
      case NESTED -> ecap.nest() && ecap.fsts() && ecap.ssts();
      case PASS_THROUGH -> ecap.pt();
      case RESERVED -> false;
    };
  }
}
