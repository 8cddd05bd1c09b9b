package io.vtdsim.emu.spec;

/**
 * A scalable-mode PASID-table entry (512 bits, 64 per 4 KiB PASID table, VT-d spec 9.6). The field
 * positions are those Linux's {@code pasid_set_*} helpers write (drivers/iommu/intel/pasid.h) and
 * QEMU's VTD_SM_PASID_ENTRY_* read.
 *
 * <ul>
 *   <li>Quadword 0: P 0, FPD 1, AW 4:2 (second-stage width as in a context entry: levels = AW+2),
 *       SSEE 5 (second-stage execute enable), PGTT 8:6, SSADE 9 (second-stage A/D enable), 11:10
 *       reserved, SSPTPTR 63:12.
 *   <li>Quadword 1: DID 15:0, 22:16 reserved, PWSNP 23 (page-walk snoop), PGSNP 24 (page snoop), CD 25,
 *       EMTE 26, EMT 29:27, PWT 30, PCD 31, PAT 63:32 (the memory-type fields of a nested guest).
 *   <li>Quadword 2: SRE 0 (supervisor requests enable), FSPM 3:2 (00b 4-level, 01b 5-level paging),
 *       WPE 4 (write protect: supervisor writes honour R/W), EAFE 7 (extended accessed flag),
 *       FSPTPTR 63:12.
 *   <li>Quadwords 3–7: reserved.
 * </ul>
 *
 * {@link #reservedBitsSet} checks quadwords 0 and 1; quadwords 2–7 are not checked (as QEMU, which
 * reads the whole entry and checks none of them), except that an FSPTPTR at or above the host
 * address width is an invalid pointer (fault 0x73, {@link #firstStagePointerBeyondHaw}).
 */
public record PasidTableEntry(
    boolean present,
    boolean fpd,
    int aw,
    boolean ssee,
    PasidGranularTranslationType pgtt,
    boolean ssade,
    long ssptptr,
    int did,
    boolean pwsnp,
    boolean pgsnp,
    boolean cd,
    boolean emte,
    int emt,
    boolean pwt,
    boolean pcd,
    int pat,
    boolean sre,
    int fspm,
    boolean wpe,
    boolean eafe,
    long fsptptr) {
  public static final int SIZE = 64;
  public static final int ENTRIES = 64;
  public static final int QUADWORDS = 8;
  public static final long Q0_RESERVED = Bits.mask(11, 10);
  public static final long Q1_RESERVED = Bits.mask(22, 16);
  /** FSPM encodings (spec 9.6): 4-level and 5-level first-stage paging. */
  public static final int FSPM_4_LEVEL = 0;
  public static final int FSPM_5_LEVEL = 1;

  public PasidTableEntry {
    if (aw < 0 || aw > 7) throw new IllegalArgumentException("AW out of range: " + aw);
    if (pgtt == null) throw new IllegalArgumentException("PGTT is required");
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("DID out of range: " + did);
    if (emt < 0 || emt > 7) throw new IllegalArgumentException("EMT out of range: " + emt);
    if (fspm < 0 || fspm > 3) throw new IllegalArgumentException("FSPM out of range: " + fspm);
    if ((ssptptr & 0xFFF) != 0 || (fsptptr & 0xFFF) != 0) {
      throw new IllegalArgumentException("SSPTPTR and FSPTPTR must be 4 KiB aligned");
    }
  }

  /**
   * A present first-stage entry as Linux's intel_pasid_setup_first_level writes it for a DMA domain:
   * PGTT 001b, DID, FSPTPTR, FSPM (4- or 5-level), AW as the second stage would need it (Linux sets it
   * from the domain's AGAW), PWSNP when page walks snoop; SRE and WPE off.
   */
  public static PasidTableEntry firstStage(int did, long fsptptr, boolean fiveLevel, int aw) {
    return new PasidTableEntry(true, false, aw, false, PasidGranularTranslationType.FIRST_STAGE, false, 0, did,
        false, false, false, false, 0, false, false, 0, false, fiveLevel ? FSPM_5_LEVEL : FSPM_4_LEVEL, false, false,
        fsptptr);
  }

  /** A present second-stage entry (Linux's intel_pasid_setup_second_level): PGTT 010b, AW, SSPTPTR, DID. */
  public static PasidTableEntry secondStage(int did, long ssptptr, int aw) {
    return new PasidTableEntry(true, false, aw, false, PasidGranularTranslationType.SECOND_STAGE, false, ssptptr,
        did, false, false, false, false, 0, false, false, 0, false, FSPM_4_LEVEL, false, false, 0);
  }

  /** A present pass-through entry (Linux's intel_pasid_setup_pass_through): PGTT 100b and DID. */
  public static PasidTableEntry passThrough(int did) {
    return new PasidTableEntry(true, false, 0, false, PasidGranularTranslationType.PASS_THROUGH, false, 0, did,
        false, false, false, false, 0, false, false, 0, false, FSPM_4_LEVEL, false, false, 0);
  }

  /** The eight quadwords in memory order. */
  public long[] encode() {
    long q0 = ssptptr | Bits.bit(ssade, 9) | ((long) pgtt.encoding() << 6) | Bits.bit(ssee, 5) | ((long) aw << 2)
        | Bits.bit(fpd, 1) | Bits.bit(present, 0);
    long q1 = ((long) pat << 32) | Bits.bit(pcd, 31) | Bits.bit(pwt, 30) | ((long) emt << 27) | Bits.bit(emte, 26)
        | Bits.bit(cd, 25) | Bits.bit(pgsnp, 24) | Bits.bit(pwsnp, 23) | did;
    long q2 = fsptptr | Bits.bit(eafe, 7) | Bits.bit(wpe, 4) | ((long) fspm << 2) | Bits.bit(sre, 0);
    return new long[] {q0, q1, q2, 0, 0, 0, 0, 0};
  }

  public static PasidTableEntry decode(long q0, long q1, long q2) {
    return new PasidTableEntry(
        Bits.bit(q0, 0),
        Bits.bit(q0, 1),
        (int) Bits.get(q0, 4, 2),
        Bits.bit(q0, 5),
        PasidGranularTranslationType.of((int) Bits.get(q0, 8, 6)),
        Bits.bit(q0, 9),
        q0 & Bits.mask(63, 12),
        (int) Bits.get(q1, 15, 0),
        Bits.bit(q1, 23),
        Bits.bit(q1, 24),
        Bits.bit(q1, 25),
        Bits.bit(q1, 26),
        (int) Bits.get(q1, 29, 27),
        Bits.bit(q1, 30),
        Bits.bit(q1, 31),
        (int) Bits.get(q1, 63, 32),
        Bits.bit(q2, 0),
        (int) Bits.get(q2, 3, 2),
        Bits.bit(q2, 4),
        Bits.bit(q2, 7),
        q2 & Bits.mask(63, 12));
  }

  public static boolean present(long q0) {
    return Bits.bit(q0, 0);
  }

  /** Reserved bits of quadwords 0 and 1; SSPTPTR bits at and above HAW count only when a second stage is used. */
  public static boolean reservedBitsSet(long q0, long q1, int haw) {
    PasidGranularTranslationType t = PasidGranularTranslationType.of((int) Bits.get(q0, 8, 6));
    boolean usesSecondStage = t == PasidGranularTranslationType.SECOND_STAGE || t == PasidGranularTranslationType.NESTED;
    long above = usesSecondStage ? Bits.above(haw) : 0;
    return (q0 & (Q0_RESERVED | above)) != 0 || (q1 & Q1_RESERVED) != 0;
  }

  /** FSPTPTR at or above the host address width (QEMU's VTD_FR_PASID_ENTRY_FSPTPTR_INV, 0x73). */
  public boolean firstStagePointerBeyondHaw(int haw) {
    return (fsptptr & Bits.above(haw)) != 0;
  }

  /** First-stage paging levels: 4 (FSPM 00b) or 5 (01b); 0 for the reserved encodings. */
  public int firstStageLevels() {
    return switch (fspm) {
      case FSPM_4_LEVEL -> 4;
      case FSPM_5_LEVEL -> 5;
      default -> 0;
    };
  }

  /** Second-stage paging levels (AW + 2). */
  public int secondStageLevels() {
    return aw + 2;
  }

  /** Table index of {@code pasid}: bits 5:0. */
  public static int index(int pasid) {
    return pasid & (ENTRIES - 1);
  }

  /** Address of the PASID-table entry for {@code pasid} in the PASID table at {@code table}. */
  public static long address(long table, int pasid) {
    return table + (long) index(pasid) * SIZE;
  }
}
