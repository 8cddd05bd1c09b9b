package io.vtdsim.emu.nested;

import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.vtd.RemappingObserver;
import io.vtdsim.emu.vtd.ScalableContextLookup;
import io.vtdsim.emu.vtd.VtdConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What QEMU does for an assigned device under a first-stage guest instead of shadowing (its iommufd
 * path: vtd_pasid_cache_sync → bind/unbind of the guest's PASID entry, vtd_flush_host_piotlb → one
 * IOMMU_HWPT_INVALIDATE per PASID-based IOTLB invalidation):
 *
 * <ul>
 *   <li>a PASID-cache invalidation, SRTP and TE re-read each attached device's RID_PASID entry in
 *       scalable mode: a present first-stage entry binds its {@link NestedHwpt} to FSPTPTR (addr_width
 *       48 or 57 from FSPM, SRE/WPE/EAFE as flags); translation off or a pass-through entry attach
 *       the device to the nesting parent (guest-physical addresses as they are); anything else
 *       unbinds it (DMA blocked);
 *   <li>a PASID-based IOTLB invalidation is forwarded to every attached device whose bound entry has
 *       that DID and PASID: page-selective as {addr, 2^AM pages, IH → LEAF}, PASID-selective as
 *       {0, all};
 *   <li>legacy IOTLB and context-cache invalidations are not forwarded (a first-stage guest sends
 *       PASID-based ones; QEMU forwards only those).
 * </ul>
 *
 * Runs on the unit's thread with its lock held, like every observer. The RID_PASID is 0 (no preset
 * reports ECAP.RPS). With translation on in legacy mode (RTADDR.TTM 00b at the last SRTP), or with a
 * second-stage (or nested, or faulting) RID_PASID entry, there is no guest stage 1 to bind: the
 * device is blocked and its DMA faults — QEMU's iommufd path accepts only first-stage and
 * pass-through entries ("Invalid PGTT type", vtd_device_attach_iommufd) and x-flts requires
 * scalable mode.
 */
public final class NestedForwarder implements RemappingObserver {
  private final GuestMemory memory;
  private final VtdConfig config;
  private final Map<Integer, Attached> devices = new LinkedHashMap<>();
  private long rootTable;
  private RootTableAddress.Mode rootMode = RootTableAddress.Mode.LEGACY;
  private boolean translationEnabled;

  private static final class Attached {
    final NestedHwpt hwpt;
    PasidTableEntry entry;

    Attached(NestedHwpt hwpt) {
      this.hwpt = hwpt;
    }
  }

  public NestedForwarder(GuestMemory memory, VtdConfig config) {
    if (memory == null || config == null) throw new IllegalArgumentException("memory and config are required");
    this.memory = memory;
    this.config = config;
  }

  /** An assigned device (source-id {@code sid}) whose DMA goes through {@code hwpt}. */
  public synchronized void attach(int sid, NestedHwpt hwpt) {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("source-id out of range: " + sid);
    if (hwpt == null) throw new IllegalArgumentException("hwpt is required");
    if (devices.putIfAbsent(sid, new Attached(hwpt)) != null) {
      throw new IllegalArgumentException("source-id 0x" + Integer.toHexString(sid) + " is already attached");
    }
  }

  @Override
  public synchronized void translationEnableChanged(boolean enabled) {
    translationEnabled = enabled;
    syncAll();
  }

  /** SRTP of a legacy-mode root table. */
  @Override
  public synchronized void rootTablePointerSet(long rootTable) {
    rootTablePointerSet(rootTable, RootTableAddress.Mode.LEGACY);
  }

  @Override
  public synchronized void rootTablePointerSet(long rootTable, RootTableAddress.Mode mode) {
    this.rootTable = rootTable;
    this.rootMode = mode;
    syncAll();
  }

  @Override
  public synchronized void pasidCacheInvalidated(PasidCacheInvalidation invalidation) {
    syncAll();
  }

  @Override
  public synchronized void pasidIotlbInvalidated(PasidIotlbInvalidation t) {
    for (Attached a : devices.values()) {
      PasidTableEntry e = a.entry;
      // RID_PASID 0: only PASID 0 reaches these devices
      if (e == null || e.did() != t.did() || t.pasid() != 0) continue;
      if (t.granularity() == PasidIotlbInvalidation.Granularity.PASID) {
        a.hwpt.invalidate(0, NestedHwpt.ALL_PAGES, 0);
      } else {
        a.hwpt.invalidate(t.alignedBase(), 1L << t.am(), t.ih() ? NestedHwpt.INV_FLAGS_LEAF : 0);
      }
    }
  }

  private void syncAll() {
    for (Map.Entry<Integer, Attached> d : devices.entrySet()) sync(d.getKey(), d.getValue());
  }

  /**
   * QEMU's vtd_pasid_cache_sync for one device: bind to the current first-stage entry; attach to the
   * nesting parent while translation is off or the entry is pass-through (vtd_device_attach_iommufd:
   * "the supported PGTT is FST or PT"); otherwise block.
   */
  private void sync(int sid, Attached a) {
    PasidTableEntry now = null;
    boolean parent = !translationEnabled;
    if (translationEnabled && rootMode == RootTableAddress.Mode.SCALABLE) {
      ScalableContextLookup.Result r = ScalableContextLookup.lookup(memory, rootTable, sid, config);
      if (r.ok() && r.entry().pgtt() == PasidGranularTranslationType.FIRST_STAGE) now = r.entry();
      parent = r.ok() && r.entry().pgtt() == PasidGranularTranslationType.PASS_THROUGH;
    }
    if (now == null) {
      NestedHwpt.Attachment want = parent ? NestedHwpt.Attachment.PARENT : NestedHwpt.Attachment.BLOCKED;
      if (a.hwpt.attachment() != want) {
        if (parent) a.hwpt.attachParent();
        else a.hwpt.unbind();
      }
      a.entry = null;
      return;
    }
    if (now.equals(a.entry) && a.hwpt.bound()) return;
    int flags = (now.sre() ? NestedHwpt.S1_SRE : 0) | (now.eafe() ? NestedHwpt.S1_EAFE : 0)
        | (now.wpe() ? NestedHwpt.S1_WPE : 0);
    a.hwpt.bind(now.fsptptr(), now.firstStageLevels() == 5 ? 57 : 48, flags);
    a.entry = now;
  }
}
