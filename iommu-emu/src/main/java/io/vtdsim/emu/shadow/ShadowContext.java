package io.vtdsim.emu.shadow;

import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.vtd.ContextLookup;
import io.vtdsim.emu.vtd.ScalableContextLookup;

/**
 * What the shadow needs of one device's translation structure, whichever table mode holds it: in
 * legacy mode the context entry, in scalable mode the PASID-table entry of its RID_PASID (QEMU's
 * vtd_get_domain_id, vtd_dev_pt_enabled and vtd_get_iova_pgtbl_base read the same fields there).
 * Either a lookup fault, or the DID the invalidations are matched against and what the device does:
 *
 * <ul>
 *   <li>{@link Kind#PASS_THROUGH}: legacy TT 10b or PGTT 100b — identity, as QEMU's no-DMAR alias;
 *   <li>{@link Kind#SECOND_STAGE}: legacy TT 00b/01b, or PGTT 010b (SSPTPTR and AW) — the table the
 *       shadow walks;
 *   <li>{@link Kind#UNSHADOWABLE}: anything else that is present and valid (PGTT first-stage or
 *       nested): QEMU's shadow walks second-stage tables only (vtd_page_walk_level reads second-stage
 *       entries; with x-flts its notifier path skips the walk: "VFIO device attaches to nested page
 *       table instead of shadow page table", vtd_iotlb_page_invalidate_notify), so the host gets
 *       nothing for it.
 * </ul>
 */
record ShadowContext(FaultReason fault, Kind kind, int did, long table, int levels, int agaw) {
  enum Kind {
    PASS_THROUGH,
    SECOND_STAGE,
    UNSHADOWABLE
  }

  boolean ok() {
    return fault == null;
  }

  /** The top of the walked IOVA space: 2^min(AGAW, MGAW + 1). */
  long limit(int awBits) {
    return 1L << Math.min(AddressWidth.widthOfAgaw(agaw), awBits);
  }

  /**
   * Whether the lookup found no translation structure at all — the legacy context entry, or in
   * scalable mode the context, PASID-directory or PASID-table entry not present: iova-tree's sync
   * then unmaps everything (QEMU's vtd_address_space_sync checks the context entry's P; in scalable
   * mode the PASID entry is the device's translation structure, so its P counts the same here).
   */
  boolean absent() {
    return fault == FaultReason.CONTEXT_NOT_PRESENT || fault == FaultReason.PASID_DIRECTORY_NOT_PRESENT
        || fault == FaultReason.PASID_ENTRY_NOT_PRESENT;
  }

  static ShadowContext fault(FaultReason reason) {
    return new ShadowContext(reason, Kind.UNSHADOWABLE, -1, 0, 0, 0);
  }

  /** A legacy context lookup's answer. */
  static ShadowContext of(ContextLookup.Result r) {
    if (!r.ok()) return fault(r.fault());
    ContextEntry ce = r.entry();
    TranslationType tt = ce.tt();
    if (tt == TranslationType.PASS_THROUGH) return new ShadowContext(null, Kind.PASS_THROUGH, ce.did(), 0, 0, ce.aw());
    if (tt == TranslationType.MULTI_LEVEL || tt == TranslationType.MULTI_LEVEL_DEVICE_TLB) {
      return new ShadowContext(null, Kind.SECOND_STAGE, ce.did(), ce.slptptr(), ce.levels(), ce.aw());
    }
    return new ShadowContext(null, Kind.UNSHADOWABLE, ce.did(), 0, 0, ce.aw());
  }

  /** A scalable-mode lookup's answer: the RID_PASID's PASID-table entry, by PGTT. */
  static ShadowContext of(ScalableContextLookup.Result r) {
    if (!r.ok()) return fault(r.fault());
    PasidTableEntry pe = r.entry();
    PasidGranularTranslationType t = pe.pgtt();
    if (t == PasidGranularTranslationType.PASS_THROUGH) return new ShadowContext(null, Kind.PASS_THROUGH, pe.did(), 0, 0, pe.aw());
    if (t == PasidGranularTranslationType.SECOND_STAGE) {
      return new ShadowContext(null, Kind.SECOND_STAGE, pe.did(), pe.ssptptr(), pe.secondStageLevels(), pe.aw());
    }
    return new ShadowContext(null, Kind.UNSHADOWABLE, pe.did(), 0, 0, pe.aw());
  }
}
