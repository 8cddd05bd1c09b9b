package io.vtdsim.driver;

import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidDirectoryEntry;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.ScalableRootEntry;
import io.vtdsim.emu.spec.SourceId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scalable-mode tables of the devices (drivers/iommu/intel/pasid.c and iommu.c): a context table per
 * bus and half behind the scalable root entries (iommu_context_addr: devfn ≥ 0x80 uses the upper
 * half), one scalable context entry per device pointing at its PASID directory, and the PASID-table
 * entry of the RID_PASID (PASID 0) that says how the device's requests without PASID translate. The
 * attach and detach flushes are Linux's: pasid_flush_caches after a new PASID entry,
 * intel_pasid_tear_down_entry around a cleared one, and the context entry's CM flush. Called under the
 * driver lock.
 */
final class ScalableTables {
  /** IOMMU_NO_PASID / PASID_RID2PASID: the PASID of requests without PASID (RID_PASID 0 in the context entry). */
  static final int RID_PASID = Flush.RID_PASID;
  /**
   * PDTS of a one-page directory: intel_pasid_alloc_table gives a device without PASID support an
   * order-0 directory, max_pasid = 1 << (PAGE_SHIFT + 3), so 512 entries = 2^(PDTS+7) (context_get_sm_pds).
   */
  static final int ONE_PAGE_PDTS = Integer.numberOfTrailingZeros((int) (Page.SIZE / PasidDirectoryEntry.SIZE)) - 7;

  private final DriverContext ctx;
  private final Flusher flusher;
  /** Context table per (bus, half): key bus * 2 + upper. */
  private final Map<Integer, Long> contextTables = new HashMap<>();
  private final Map<SourceId, Long> directories = new HashMap<>();
  private final Map<SourceId, Long> pasidTables = new HashMap<>();

  ScalableTables(DriverContext ctx, Flusher flusher) {
    this.ctx = ctx;
    this.flusher = flusher;
  }

  /**
   * Gives {@code dev} the translation of {@code target} (DID allocated): ≥6.9 the context entry first
   * (intel_pasid_setup_sm_context at probe), then the RID_PASID entry; before, the PASID entry first
   * (dmar_domain_attach_device) and then the context entry (domain_context_mapping_one).
   */
  void attach(SourceId dev, Domain target) {
    if (ctx.preset.smContextAtProbe()) contextEntry(dev, 0);
    writePasidEntry(dev, target);
    pasidFlushCaches(dev, target.did());
    if (!ctx.preset.smContextAtProbe()) contextEntry(dev, target.did());
  }

  /**
   * intel_pasid_tear_down_entry: the RID_PASID entry cleared (P first), then a PASID-selective
   * PASID-cache invalidation, then for first-stage and pass-through entries a PASID-selective PASID-based
   * IOTLB invalidation, for second-stage ones a DSI (5.15+; before, PASID-based for every entry, which
   * leaves a second-stage entry's IOTLB entries alone); no device-TLB invalidation without ATS. The context
   * entry stays present (≥6.3 device_block_translation tears down only the PASID entry).
   */
  void detach(SourceId dev) {
    long e = PasidTableEntry.address(pasidTable(dev), RID_PASID);
    PasidTableEntry old = PasidTableEntry.decode(ctx.memory.read64(e), ctx.memory.read64(e + 8), ctx.memory.read64(e + 16));
    if (!old.present()) return;
    for (int i = 0; i < PasidTableEntry.QUADWORDS; i++) ctx.memory.write64(e + 8L * i, 0);
    flusher.invalidate(List.of(PasidCacheInvalidation.pasid(old.did(), RID_PASID)));
    boolean pasidBased = old.pgtt() == PasidGranularTranslationType.FIRST_STAGE
        || old.pgtt() == PasidGranularTranslationType.PASS_THROUGH || !ctx.preset.tearDownFlushByPgtt();
    if (pasidBased) {
      flusher.flush(List.of(new Flush(Flush.Kind.PASID_ALL, old.did(), 0, 0, false,
          "detach " + dev + ": PASID entry torn down, PASID-selective PASID-based IOTLB (intel_pasid_tear_down_entry)")));
    } else {
      flusher.flush(List.of(new Flush(Flush.Kind.DSI, old.did(), 0, 0, false,
          "detach " + dev + ": second-stage PASID entry torn down, DSI (intel_pasid_tear_down_entry)")));
    }
  }

  /** The RID_PASID entry of {@code dev}, decoded; null when the device never had one. */
  PasidTableEntry pasidEntry(SourceId dev) {
    Long table = pasidTables.get(dev);
    if (table == null) return null;
    long e = PasidTableEntry.address(table, RID_PASID);
    return PasidTableEntry.decode(ctx.memory.read64(e), ctx.memory.read64(e + 8), ctx.memory.read64(e + 16));
  }

  /**
   * The PASID entry as intel_pasid_setup_first_level / _second_level write it: cleared, the fields, P
   * last (quadword 0 written last).
   */
  private void writePasidEntry(SourceId dev, Domain d) {
    PasidTableEntry pe = d.firstStage() ? firstStageEntry(dev, d) : secondStageEntry(d);
    long e = PasidTableEntry.address(pasidTable(dev), RID_PASID);
    long[] q = pe.encode();
    for (int i = PasidTableEntry.QUADWORDS - 1; i >= 0; i--) ctx.memory.write64(e + 8L * i, q[i]);
  }

  /**
   * pasid_pte_config_first_level for domain_setup_first_level: FSPTPTR, FSPM 5-level for a 5-level table
   * (refused without CAP.FL5LP), DID, AW = the unit's AGAW, PWSNP = ECAP.SMPWC, PGTT 001b; SRE only
   * where the era passes PASID_FLAG_SUPERVISOR_MODE (≤5.12, refused without ECAP.SRS). A table of other
   * than 4 or 5 levels is refused (-EINVAL), as is a unit without FLTS.
   */
  private PasidTableEntry firstStageEntry(SourceId dev, Domain d) {
    int levels = d.table().levels();
    if (!ctx.ecap.fsts()) throw new DriverException("No first level translation support: setting up RID2PASID of " + dev + " failed");
    if (levels != 4 && levels != 5) {
      throw new DriverException("first-level page table of " + levels + " levels: setting up RID2PASID of " + dev + " failed");
    }
    if (levels == 5 && !ctx.cap.fl5lp()) {
      throw new DriverException("No 5-level paging support for first-level: setting up RID2PASID of " + dev + " failed");
    }
    boolean sre = ctx.preset.rid2pasidSupervisor();
    if (sre && !ctx.ecap.srs()) {
      throw new DriverException("No supervisor request support: setting up RID2PASID of " + dev + " failed (as Linux ≤5.12)");
    }
    return new PasidTableEntry(true, false, ctx.agaw, false, PasidGranularTranslationType.FIRST_STAGE, false, 0,
        d.did(), ctx.ecap.smpwcs(), false, false, false, 0, false, false, 0, sre,
        levels == 5 ? PasidTableEntry.FSPM_5_LEVEL : PasidTableEntry.FSPM_4_LEVEL, false, false, d.table().root());
  }

  /**
   * pasid_pte_config_second_level: DID, SSPTPTR, AW = the domain's AGAW (the unit's here), PGTT 010b, FPD clear
   * (pasid_set_fault_enable), PWSNP = ECAP.SMPWC; SRE as the era sets it for RID2PASID.
   */
  private PasidTableEntry secondStageEntry(Domain d) {
    return new PasidTableEntry(true, false, ctx.agaw, false, PasidGranularTranslationType.SECOND_STAGE, false, d.table().root(), d.did(), ctx.ecap.smpwcs(), false,
        false, false, 0, false, false, 0, ctx.preset.rid2pasidSupervisor(), PasidTableEntry.FSPM_4_LEVEL, false, false, 0);
  }

  /**
   * pasid_flush_caches: under CM a PASID-selective PASID-cache invalidation and a PASID-selective
   * PASID-based IOTLB invalidation (whatever the PGTT); a write-buffer flush otherwise.
   */
  private void pasidFlushCaches(SourceId dev, int did) {
    if (!ctx.cap.cm()) {
      flusher.writeBufferFlush();
      return;
    }
    flusher.invalidate(List.of(PasidCacheInvalidation.pasid(did, RID_PASID)));
    flusher.flush(List.of(new Flush(Flush.Kind.PASID_ALL, did, 0, 0, false,
        "attach " + dev + " under CM: new PASID entry, PASID-selective PASID-based IOTLB (pasid_flush_caches)")));
  }

  /**
   * The scalable context entry (context_entry_set_pasid_table), when not present yet: PASIDDIRPTR, PDTS,
   * RID_PASID 0, FPD clear, P last; under CM a device-selective context-cache invalidation with DID 0
   * and a DSI of {@code flushDid} (domain_context_mapping_one: the domain's DID; the ≥6.9 probe path:
   * DID 0); a write-buffer flush otherwise.
   */
  private void contextEntry(SourceId dev, int flushDid) {
    long entry = ScalableContextEntry.address(contextTable(dev), dev.devfn());
    if (ScalableContextEntry.present(ctx.memory.read64(entry))) return;
    long[] q = ScalableContextEntry.of(directory(dev), ONE_PAGE_PDTS, RID_PASID).encode();
    for (int i = q.length - 1; i >= 0; i--) ctx.memory.write64(entry + 8L * i, q[i]);
    if (ctx.cap.cm()) {
      flusher.invalidate(List.of(ContextCacheInvalidation.device(0, dev.sid(), 0)));
      flusher.flush(List.of(new Flush(Flush.Kind.DSI, flushDid, 0, 0, false,
          "scalable context entry of " + dev + " under CM: DSI on DID " + flushDid + " (as Linux)")));
    } else {
      flusher.writeBufferFlush();
    }
  }

  /** The context table of {@code dev}'s bus and half, allocating it and setting that half of the root entry. */
  private long contextTable(SourceId dev) {
    boolean upper = ScalableRootEntry.upper(dev.devfn());
    return contextTables.computeIfAbsent(dev.bus() * 2 + (upper ? 1 : 0), k -> {
      long table = ctx.pool.allocate();
      long root = ScalableRootEntry.address(ctx.rootTable, dev.bus());
      if (upper) {
        ctx.memory.write64(root + 8, new ScalableRootEntry(false, 0, true, table).hi());
      } else {
        ctx.memory.write64(root, new ScalableRootEntry(true, table, false, 0).lo());
      }
      return table;
    });
  }

  /** intel_pasid_alloc_table: one zeroed page (512 directory entries) per device. */
  private long directory(SourceId dev) {
    return directories.computeIfAbsent(dev, d -> ctx.pool.allocate());
  }

  /** intel_pasid_get_entry: the PASID table of directory entry 0, allocated on first use and set present. */
  private long pasidTable(SourceId dev) {
    return pasidTables.computeIfAbsent(dev, d -> {
      long dir = directory(d);
      long table = ctx.pool.allocate();
      ctx.memory.write64(PasidDirectoryEntry.address(dir, RID_PASID), new PasidDirectoryEntry(true, false, table).encode());
      return table;
    });
  }
}
