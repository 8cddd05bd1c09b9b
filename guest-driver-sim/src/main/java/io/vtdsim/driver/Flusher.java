package io.vtdsim.driver;

import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything that makes the unit drop cached state: IOTLB flush decisions reported as
 * {@code driver.flush} and submitted in the preset's batches, raw invalidations, and the write-buffer
 * flush. Called under the driver lock.
 */
final class Flusher {
  private final DriverContext ctx;

  Flusher(DriverContext ctx) {
    this.ctx = ctx;
  }

  /** Reports each decision as driver.flush and submits the descriptors (batched as the preset does). */
  void flush(List<Flush> flushes) {
    if (flushes.size() == 1) { // the common case: one decision, at most one descriptor, no lists to build
      Flush f = flushes.get(0);
      report(f);
      if (f.kind() != Flush.Kind.NONE) {
        ctx.invalidator.submit(List.of(f.descriptor(ctx.cap.drd(), ctx.cap.dwd(), !ctx.invalidator.queued())));
      }
      return;
    }
    List<InvalidationDescriptor> descs = new ArrayList<>();
    for (Flush f : flushes) {
      report(f);
      if (f.kind() != Flush.Kind.NONE) {
        descs.add(f.descriptor(ctx.cap.drd(), ctx.cap.dwd(), !ctx.invalidator.queued()));
      }
    }
    int batch = ctx.preset.batchLimit();
    for (int i = 0; i < descs.size(); i += batch) {
      invalidate(descs.subList(i, Math.min(descs.size(), i + batch)));
    }
  }

  private void report(Flush f) {
    if (ctx.log.building()) {
      ctx.log.emit(IntelIommuDriver.SOURCE,
          new EventBody.DriverFlush(f.kind().label(), f.did(), f.address(), f.am(), f.ih(), f.reason()));
    }
  }

  /** Submits {@code descs} as one submission (one wait descriptor on the queued path). */
  void invalidate(List<InvalidationDescriptor> descs) {
    ctx.invalidator.submit(List.copyOf(descs));
  }

  /** Write-buffer flush, only when CAP.RWBF (iommu_flush_write_buffer). */
  void writeBufferFlush() {
    if (!ctx.cap.rwbf()) return;
    ctx.mmio.write32(Registers.GCMD, ctx.gcmd | GlobalCommand.WBF);
    ctx.mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.WBF) == 0, "write-buffer flush (GSTS.WBFS=0)");
  }

  /**
   * After non-present→present: CM and a second-stage domain → PSI (map=1) per policy; otherwise a
   * write-buffer flush — a first-stage domain needs no map-time invalidation even under CM
   * (__mapping_notify_one "only flush if caching mode and second level"; 6.10+ cache_tag_flush_range_np).
   */
  void mapFlush(Domain d, long pfn, long pages) {
    if (!ctx.cap.cm() || d.firstStage()) {
      if (d.firstStage() && ctx.cap.cm() && d.did() != 0 && ctx.log.enabled()) {
        report(new Flush(Flush.Kind.NONE, d.did(), pfn << Page.SHIFT, 0, false,
            "first-stage domain: no invalidation after non-present→present, even under CM (as Linux)"));
      }
      writeBufferFlush();
      return;
    }
    if (d.did() == 0) return;
    flushRange(d.did(), pfn, pages, false, true);
  }

  /** The policy's unmap-time flushes of [pfn, pfn+pages) for {@code d}'s stage (not submitted). */
  List<Flush> rangeFlushes(Domain d, long pfn, long pages, boolean ih) {
    return d.firstStage()
        ? ctx.flushPolicy.firstStageRange(d.did(), pfn, pages, ih)
        : ctx.flushPolicy.range(d.did(), pfn, pages, ih, false);
  }

  /** The unmap flush of [pfn, pfn+pages) in {@code d}: PASID-based for a first-stage domain, else {@link #flushRange}. */
  void unmapFlush(Domain d, long pfn, long pages, boolean ih) {
    if (d.firstStage()) {
      flush(ctx.flushPolicy.firstStageRange(d.did(), pfn, pages, ih));
    } else {
      flushRange(d.did(), pfn, pages, ih, false);
    }
  }

  /** A flush of the whole domain: DSI, or PASID-selective PASID-based IOTLB for a first-stage domain. */
  Flush domainFlush(Domain d, String reason) {
    return d.firstStage() ? ctx.flushPolicy.firstStageDomain(d.did(), reason) : ctx.flushPolicy.domain(d.did(), reason);
  }

  /**
   * The policy's flushes of [pfn, pfn+pages) ({@link FlushPolicy#range}), reported and submitted.
   * When nobody listens and the decision is one plain PSI over the queue, its two descriptor words
   * go straight to the invalidator: the same descriptor, with no decision, reason or list built.
   */
  void flushRange(int did, long pfn, long pages, boolean ih, boolean map) {
    if (!ctx.log.building() && ctx.invalidator.queued() && did >= 0 && did <= 0xFFFF) {
      int am = ctx.flushPolicy.singlePsiMask(pfn, pages, map);
      if (am >= 0) {
        // over QI the hint is dropped, as Flush.descriptor does (qi_flush_iotlb sends IH=0)
        ctx.invalidator.submitOne(
            IotlbInvalidation.loWord(IotlbInvalidation.Granularity.PAGE, ctx.cap.drd(), ctx.cap.dwd(), did),
            IotlbInvalidation.hiWord(ctx.flushPolicy.psiAddress(pfn, am), am, false));
        return;
      }
    }
    flush(ctx.flushPolicy.range(did, pfn, pages, ih, map));
  }

  /**
   * Returns the lower tables a superpage replaced to the pool; 6.x switch_to_super_page first flushes
   * (IH=0) the ranges they covered.
   */
  void releaseSwitchedTables(Domain d, PageTable.MapResult r) {
    if (r.freelist().isEmpty()) return;
    if (ctx.preset.flushesSuperpageSwitch() && d.did() != 0) {
      for (long[] range : r.switchedRanges()) {
        flush(rangeFlushes(d, range[0] >>> Page.SHIFT, range[1] >>> Page.SHIFT, false));
      }
    }
    r.freelist().forEach(ctx.pool::free);
  }
}
