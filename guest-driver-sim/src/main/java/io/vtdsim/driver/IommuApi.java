package io.vtdsim.driver;

import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.List;

/**
 * The IOMMU API on a domain (iommu_map / iommu_unmap reaching intel_iommu_map / intel_iommu_unmap):
 * what vfio or DPDK inside the guest use, with caller-chosen, possibly unaligned or huge ranges. Called
 * under the driver lock.
 */
final class IommuApi {
  private final DriverContext ctx;
  private final Flusher flusher;
  private final DeviceAttachments attachments;

  IommuApi(DriverContext ctx, Flusher flusher, DeviceAttachments attachments) {
    this.ctx = ctx;
    this.flusher = flusher;
    this.attachments = attachments;
  }

  /**
   * iommu_map: 4 KiB-granular range. Flushes under CM per era: none before 4.18, per power-of-two chunk
   * up to 5.11, once per call from 5.12.
   */
  void map(String domainName, long iova, long gpa, long size, boolean read, boolean write) {
    if (((iova | gpa | size) & Page.OFFSET_MASK) != 0 || size <= 0 || iova < 0 || gpa < 0) {
      throw new IllegalArgumentException(String.format(
          "iommu map needs 4 KiB aligned, non-negative iova/gpa/size: 0x%x 0x%x 0x%x", iova, gpa, size));
    }
    if (!read && !write) throw new IllegalArgumentException("a mapping needs read or write permission");
    Domain d = attachments.domainOrCreate(domainName);
    if (d.table().anyPresent(iova, size)) {
      throw new IllegalStateException(String.format(
          "DMA PTE already set in [0x%x, 0x%x) of domain %s", iova, iova + size, domainName));
    }
    long done = 0;
    while (done < size) {
      long chunk = chunk(d, iova + done, gpa + done, size - done);
      PageTable.MapResult r = d.table().map(iova + done, gpa + done, chunk, read, write);
      flusher.releaseSwitchedTables(d, r);
      if (ctx.preset.iommuApiMapFlush() == DriverPreset.IommuApiMapFlush.PER_CHUNK) {
        flusher.mapFlush(d, (iova + done) >>> Page.SHIFT, chunk >>> Page.SHIFT);
      }
      done += chunk;
    }
    switch (ctx.preset.iommuApiMapFlush()) {
      case PER_CALL -> flusher.mapFlush(d, iova >>> Page.SHIFT, size >>> Page.SHIFT);
      case NONE -> {
        if (ctx.cap.cm() && d.did() != 0) {
          flusher.flush(List.of(new Flush(Flush.Kind.NONE, d.did(), iova, 0, false,
              "IOMMU-API map before Linux 4.18 does not flush, even under CM")));
        }
      }
      default -> { }
    }
  }

  /** iommu_unmap; returns the bytes unmapped (a superpage is unmapped whole, as Linux). */
  long unmap(String domainName, long iova, long size) {
    if (((iova | size) & Page.OFFSET_MASK) != 0 || size <= 0 || iova < 0) {
      throw new IllegalArgumentException(String.format("iommu unmap needs 4 KiB aligned iova/size: 0x%x 0x%x", iova, size));
    }
    Domain d = attachments.domain(domainName);
    long done = 0;
    long total = 0;
    List<Long> gathered = new ArrayList<>();
    String bug = null;
    while (done < size) {
      long chunk = chunk(d, iova + done, 0, size - done);
      PageTable.UnmapResult r = d.table().unmap(iova + done, chunk);
      long cleared = Math.max(chunk, r.size());
      if (r.keptSuperpage() >= 0) {
        bug = String.format("unmap at 0x%x inside the %s superpage at 0x%x: dma_pte_clear_level keeps a superpage the"
                + " enlarged range covers only in part, yet intel_iommu_unmap returns its size (a Linux driver bug); ",
            iova + done, r.size() >= (1L << 30) ? "1 GiB" : "2 MiB", r.keptSuperpage());
      }
      if (ctx.preset.unmapFlushPerChunk()) {
        if (d.did() != 0) {
          flusher.flush(noted(bug, flusher.rangeFlushes(d, (iova + done) >>> Page.SHIFT, cleared >>> Page.SHIFT,
              r.freelist().isEmpty())));
        }
        r.freelist().forEach(ctx.pool::free);
      } else {
        gathered.addAll(r.freelist());
      }
      done += cleared;
      total += r.size();
    }
    if (!ctx.preset.unmapFlushPerChunk()) {
      // the gather covers [iova, iova + what intel_iommu_unmap returned), whatever it really cleared
      if (d.did() != 0) {
        flusher.flush(noted(bug, flusher.rangeFlushes(d, iova >>> Page.SHIFT, done >>> Page.SHIFT, gathered.isEmpty())));
      }
      gathered.forEach(ctx.pool::free);
    }
    return total;
  }

  /** The flushes with {@code note} (when not null) in front of each reason. */
  private static List<Flush> noted(String note, List<Flush> flushes) {
    if (note == null) return flushes;
    return flushes.stream().map(f -> new Flush(f.kind(), f.did(), f.address(), f.am(), f.ih(), note + f.reason())).toList();
  }

  /**
   * iommu_pgsize: the largest page size aligned to iova|gpa that fits (≤5.x: every power of two; 6.x:
   * 4K and the domain's superpages, domain_super_pgsize_bitmap — a first-stage domain's 2M, and 1G with FS1GP).
   */
  private long chunk(Domain d, long iova, long gpa, long left) {
    long merged = iova | gpa;
    int align = merged == 0 ? 62 : Long.numberOfTrailingZeros(merged);
    int fit = 63 - Long.numberOfLeadingZeros(left);
    int bits = Math.min(align, fit);
    if (!ctx.preset.allPowerOfTwoPageSizes()) {
      int sp = d.table().superpageLevels();
      if (bits >= 30 && sp >= 2) bits = 30;
      else if (bits >= 21 && sp >= 1) bits = 21;
      else bits = 12;
    }
    return 1L << bits;
  }
}
