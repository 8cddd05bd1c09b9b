package io.vtdsim.harness.machine;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.PasidDirectoryEntry;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.ScalableRootEntry;
import io.vtdsim.emu.spec.SourceId;

/**
 * Whether QEMU runs a device's requests without PASID untranslated under a scalable-mode root table:
 * as hw/i386/intel_iommu.c vtd_dev_pt_enabled, the PASID entry of PASID 0 (vtd_ce_get_pasid_entry:
 * PCI_NO_PASID → PASID_0; QEMU offers no ECAP.RPS, so RID_PASID is 0 too) through the scalable root
 * entry, context entry (VT-d spec 9.2, 9.4) and PASID directory and table (9.5, 9.6) has PGTT 100b.
 * Anything missing or unreadable is not pass-through (QEMU: "We should assume PT not enabled for
 * safety"). Then QEMU's address space is its nodmar alias, as for a legacy pass-through context.
 */
final class QemuScalablePassThrough {
  private static final int PASID_0 = 0;

  private QemuScalablePassThrough() {}

  static boolean passThrough(GuestMemory mem, long rootTable, int sid) {
    long[] w = new long[1];
    long half = ScalableRootEntry.address(rootTable, SourceId.bus(sid))
        + (ScalableRootEntry.upper(SourceId.devfn(sid)) ? Long.BYTES : 0);
    if (!mem.tryRead64(half, w) || !ScalableRootEntry.present(w[0])) return false;
    long ce = ScalableContextEntry.address(ScalableRootEntry.contextTable(w[0]), SourceId.devfn(sid));
    if (!mem.tryRead64(ce, w) || !ScalableContextEntry.present(w[0])) return false;
    long directory = ScalableContextEntry.decode(w[0], 0).pasidDirectory();
    if (!mem.tryRead64(PasidDirectoryEntry.address(directory, PASID_0), w) || !PasidDirectoryEntry.present(w[0])) {
      return false;
    }
    long pe = PasidTableEntry.address(PasidDirectoryEntry.decode(w[0]).pasidTable(), PASID_0);
    if (!mem.tryRead64(pe, w) || !PasidTableEntry.present(w[0])) return false;
    return PasidTableEntry.decode(w[0], 0, 0).pgtt() == PasidGranularTranslationType.PASS_THROUGH;
  }
}
