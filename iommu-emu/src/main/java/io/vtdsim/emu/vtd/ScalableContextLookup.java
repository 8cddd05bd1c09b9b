package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.PasidDirectoryEntry;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.ScalableRootEntry;
import io.vtdsim.emu.spec.SourceId;

/**
 * Finds the scalable-mode context entry of a source-id and the PASID-table entry of a PASID by reading
 * the root table, the context table, the PASID directory and the PASID table from guest memory (VT-d
 * spec 3.4.3, 9.2, 9.4–9.6), as QEMU's vtd_dev_to_context_entry and vtd_ce_get_pasid_entry. Never
 * throws for guest-controlled data; a problem is a {@link FaultReason}:
 *
 * <ul>
 *   <li>root entry (the half serving the devfn): unreadable 8, P=0 1, reserved 0xA; context entry:
 *       unreadable 9, P=0 2, reserved 0xB, DTE without ECAP.DT or PRE without ECAP.PRS 3 — the legacy
 *       codes, as QEMU reports them in scalable mode;
 *   <li>PASID-directory entry: unreadable 0x50, P=0 0x51, reserved 0x52; PASID-table entry: unreadable
 *       0x58, P=0 0x59, reserved 0x5A; a PGTT the unit does not report (ECAP.FSTS/SSTS/NEST/PT), an
 *       FSPM other than 4-level (or 5-level with CAP.FL5LP), or a second-stage AW outside SAGAW 0x5B
 *       (QEMU's vtd_pe_type_check and level checks); FSPTPTR at or above HAW 0x73.
 * </ul>
 *
 * FPD: a fault found after an entry was read is suppressed (if qualified) when that entry or any
 * entry above it has FPD=1 (QEMU's vtd_ce_get_pasid_fpd ORs the context, directory and PASID-entry
 * bits). As QEMU, a PASID beyond the directory's 2^(PDTS+7) entries is not checked: its directory
 * entry is read from where it would be.
 */
public final class ScalableContextLookup {
  private ScalableContextLookup() {}

  /**
   * A found (context, PASID) pair when {@code fault} is null; otherwise the fault, whether FPD was set
   * on the way, and what was read before it.
   */
  public record Result(ScalableContextEntry context, int pasid, PasidTableEntry entry, FaultReason fault, boolean fpd) {
    public boolean ok() {
      return fault == null;
    }
  }

  /** The scalable-mode context entry of {@code sid}, without PASID lookup ({@code entry} and {@code pasid} unset). */
  public static Result context(GuestMemory mem, long rootTable, int sid, ExtendedCapability ecap, int haw) {
    int devfn = SourceId.devfn(sid);
    long[] q = new long[1];
    long half = ScalableRootEntry.address(rootTable, SourceId.bus(sid)) + (ScalableRootEntry.upper(devfn) ? 8 : 0);
    if (!mem.tryRead64(half, q)) return fault(null, FaultReason.ROOT_TABLE_UNREADABLE, false);
    long root = q[0];
    if (!ScalableRootEntry.present(root)) return fault(null, FaultReason.ROOT_NOT_PRESENT, false);
    if (ScalableRootEntry.reservedBitsSet(root, haw)) return fault(null, FaultReason.ROOT_RESERVED, false);
    long address = ScalableContextEntry.address(ScalableRootEntry.contextTable(root), devfn);
    long[] w = new long[4];
    for (int i = 0; i < 4; i++) {
      if (!mem.tryRead64(address + 8L * i, q)) return fault(null, FaultReason.CONTEXT_TABLE_UNREADABLE, false);
      w[i] = q[0];
    }
    ScalableContextEntry ce = ScalableContextEntry.decode(w[0], w[1]);
    // FPD is honoured irrespective of P, as for legacy entries (QEMU reads it before checking P)
    if (!ce.present()) return fault(ce, FaultReason.CONTEXT_NOT_PRESENT, ce.fpd());
    if (ScalableContextEntry.reservedBitsSet(w[0], w[1], w[2], w[3], haw)) {
      return fault(null, FaultReason.CONTEXT_RESERVED, false);
    }
    if ((ce.deviceTlb() && !ecap.dt()) || (ce.pageRequest() && !ecap.prs())) {
      return fault(ce, FaultReason.CONTEXT_INVALID, ce.fpd());
    }
    return new Result(ce, 0, null, null, ce.fpd());
  }

  /**
   * The PASID used by a request without PASID: the context entry's RID_PASID with ECAP.RPS, else 0
   * (spec 9.4: without RPS hardware uses PASID 0, Linux's IOMMU_NO_PASID).
   */
  public static int ridPasid(ScalableContextEntry ce, ExtendedCapability ecap) {
    return ecap.rps() ? ce.ridPasid() : 0;
  }

  /** The PASID-table entry of {@code pasid} under an already found context entry. */
  public static Result pasidEntry(GuestMemory mem, ScalableContextEntry ce, int pasid, Capability cap,
      ExtendedCapability ecap, int haw) {
    if (pasid < 0 || pasid > ScalableContextEntry.MAX_PASID) throw new IllegalArgumentException("PASID out of range: " + pasid);
    boolean fpd = ce.fpd();
    long[] q = new long[1];
    if (!mem.tryRead64(PasidDirectoryEntry.address(ce.pasidDirectory(), pasid), q)) {
      return new Result(ce, pasid, null, FaultReason.PASID_DIRECTORY_UNREADABLE, fpd);
    }
    long de = q[0];
    fpd |= PasidDirectoryEntry.decode(de).fpd();
    if (!PasidDirectoryEntry.present(de)) return new Result(ce, pasid, null, FaultReason.PASID_DIRECTORY_NOT_PRESENT, fpd);
    if (PasidDirectoryEntry.reservedBitsSet(de, haw)) return new Result(ce, pasid, null, FaultReason.PASID_DIRECTORY_RESERVED, fpd);
    long address = PasidTableEntry.address(PasidDirectoryEntry.decode(de).pasidTable(), pasid);
    long[] w = new long[3];
    for (int i = 0; i < 3; i++) {
      if (!mem.tryRead64(address + 8L * i, q)) return new Result(ce, pasid, null, FaultReason.PASID_TABLE_UNREADABLE, fpd);
      w[i] = q[0];
    }
    PasidTableEntry pe = PasidTableEntry.decode(w[0], w[1], w[2]);
    fpd |= pe.fpd();
    if (!pe.present()) return new Result(ce, pasid, pe, FaultReason.PASID_ENTRY_NOT_PRESENT, fpd);
    if (PasidTableEntry.reservedBitsSet(w[0], w[1], haw)) return new Result(ce, pasid, pe, FaultReason.PASID_ENTRY_RESERVED, fpd);
    FaultReason invalid = invalidProgramming(pe, cap, ecap, haw);
    return new Result(ce, pasid, pe, invalid, fpd);
  }

  /** Both steps for a request without PASID: the context entry, then the entry of its RID_PASID. */
  public static Result lookup(GuestMemory mem, long rootTable, int sid, VtdConfig config) {
    Result c = context(mem, rootTable, sid, config.ecap(), config.hostAddressWidth());
    if (!c.ok()) return c;
    return pasidEntry(mem, c.context(), ridPasid(c.context(), config.ecap()), config.cap(), config.ecap(),
        config.hostAddressWidth());
  }

  private static FaultReason invalidProgramming(PasidTableEntry pe, Capability cap, ExtendedCapability ecap, int haw) {
    PasidGranularTranslationType t = pe.pgtt();
    if (!t.supportedBy(ecap)) return FaultReason.PASID_ENTRY_INVALID;
    if (t.firstStage()) {
      int levels = pe.firstStageLevels();
      if (levels == 0 || (levels == 5 && !cap.fl5lp())) return FaultReason.PASID_ENTRY_INVALID;
      if (pe.firstStagePointerBeyondHaw(haw)) return FaultReason.FIRST_STAGE_POINTER_INVALID;
    }
    if ((t == PasidGranularTranslationType.SECOND_STAGE || t == PasidGranularTranslationType.NESTED)
        && !cap.supportsAgaw(pe.aw())) {
      return FaultReason.PASID_ENTRY_INVALID;
    }
    return null;
  }

  private static Result fault(ScalableContextEntry ce, FaultReason reason, boolean fpd) {
    return new Result(ce, 0, null, reason, fpd);
  }
}
