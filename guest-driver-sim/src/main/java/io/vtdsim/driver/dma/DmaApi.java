package io.vtdsim.driver.dma;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.DmaLimits;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.SgMapping;
import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.driver.pagetable.TablePagePool;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * The DMA API (≤5.10 Intel dma_ops, ≥5.11 drivers/iommu/dma-iommu.c): map_single / map_sg and their
 * unmaps on the device's domain, IOVAs from {@link IovaSpaces}, strict flushing or the era's lazy flush
 * queue ({@link LazyUnmaps}). The caller holds the driver lock and has emitted the call event.
 */
public final class DmaApi {
  private final DriverPreset preset;
  private final TablePagePool pool;
  private final DmaBackend backend;
  private final IovaSpaces iovas;
  private final LazyUnmaps lazy;

  /**
   * @param lock the driver lock: the flush queues' timers fire from {@link Clock#advance} and take it
   */
  public DmaApi(DriverConfig config, Clock clock, TablePagePool pool, Lock lock, DmaBackend backend) {
    this.preset = config.preset();
    this.pool = pool;
    this.backend = backend;
    this.iovas = new IovaSpaces(config, backend);
    this.lazy = new LazyUnmaps(config, clock, pool, lock, backend, iovas);
  }

  /** dma_map_single: maps [gpa, gpa+size) for {@code dev}; returns the address the device uses. */
  public long mapSingle(SourceId dev, long gpa, long size, Direction dir) {
    if (size <= 0) throw new IllegalArgumentException("size must be > 0: " + size);
    if (gpa < 0) throw new IllegalArgumentException("negative guest address: " + gpa);
    Domain d = backend.dmaDomain(dev);
    long offset = gpa & Page.OFFSET_MASK;
    long pages = pagesOf(offset, size);
    long pfn = iovas.allocate(d, pages);
    PageTable.MapResult r = d.table().map(pfn << Page.SHIFT, (gpa >>> Page.SHIFT) << Page.SHIFT, pages << Page.SHIFT, permRead(dir), permWrite(dir));
    backend.releaseSwitchedTables(d, r);
    backend.mapFlush(d, pfn, pages);
    return (pfn << Page.SHIFT) + offset;
  }

  /** dma_unmap_single of a range returned by {@link #mapSingle}. */
  public void unmapSingle(SourceId dev, long iova, long size, Direction dir) {
    Domain d = backend.attachedDomain(dev);
    unmapPages(d, iova >>> Page.SHIFT, pagesOf(iova & Page.OFFSET_MASK, size));
  }

  /**
   * dma_map_sg: one IOVA range for the whole list, laid out per era by {@link SgLayout} (intel_map_sg
   * ≤5.10, iommu_dma_map_sg ≥5.11), mapped and flushed once for the whole range.
   *
   * <p>≤5.10 intel_map_sg → domain_sg_mapping maps segment by segment (__domain_mapping picks superpages
   * per segment); ≥5.11 iommu_map_sg (drivers/iommu/iommu.c) maps each run of physically contiguous
   * segments with one __iommu_map and ends with one iotlb_sync_map over the mapped length (5.12). The
   * flush covers the mapped pages (iova_len), not the allocator's power-of-two rounding.
   */
  public SgMapping mapSg(SourceId dev, List<SgEntry> sg, Direction dir, DmaLimits limits) {
    SgLayout layout = SgLayout.of(sg, preset.dmaIommu(), limits);
    Domain d = backend.dmaDomain(dev);
    long pages = layout.bytes() >>> Page.SHIFT;
    long pfn = iovas.allocate(d, pages);
    SgMapping m = layout.at(pfn << Page.SHIFT);
    boolean r = permRead(dir);
    boolean w = permWrite(dir);
    List<SgMapping.Segment> segs = m.segments();
    for (int i = 0; i < segs.size(); ) {
      SgMapping.Segment s = segs.get(i);
      long iova = s.mappedIova();
      long gpa = s.mappedGpa();
      long len = s.mappedBytes();
      i++;
      // iommu_map_sg: "if (len && s_phys != start + len)" ends a run; intel_map_sg has no runs
      while (preset.dmaIommu() && i < segs.size() && segs.get(i).mappedGpa() == gpa + len) {
        len += segs.get(i).mappedBytes();
        i++;
      }
      PageTable.MapResult res = d.table().map(iova, gpa, len, r, w);
      backend.releaseSwitchedTables(d, res);
    }
    backend.mapFlush(d, pfn, pages);
    return m;
  }

  /**
   * dma_unmap_sg of a list {@link #mapSg} mapped: the whole range from its first page. ≤5.10
   * intel_unmap_sg unmaps Σ aligned_nrpages(sg_dma_address, sg_dma_len) from the first dma_address's
   * page; ≥5.11 iommu_dma_unmap_sg unmaps from the first DMA segment's start to the last one's end,
   * page-aligned (__iommu_dma_unmap) — both the mapped range, padding included.
   */
  public void unmapSg(SourceId dev, SgMapping m, Direction dir) {
    Domain d = backend.attachedDomain(dev);
    SgMapping.DmaSegment last = m.dmaSegments().get(m.dmaSegments().size() - 1);
    long first = m.dmaSegments().get(0).address() & ~Page.OFFSET_MASK;
    long pages = preset.dmaIommu()
        ? pagesOf(0, last.address() + last.length() - first)
        : m.dmaSegments().stream().mapToLong(s -> pagesOf(s.address() & Page.OFFSET_MASK, s.length())).sum();
    unmapPages(d, first >>> Page.SHIFT, pages);
  }

  /** IOVAs (first byte of each range) of DMA-API unmaps waiting in lazy flush queues, oldest first. */
  public List<Long> pendingLazyIovas() {
    return lazy.pendingIovas();
  }

  /** A domain lost its last device: its lazy flush queue is flushed before the DID goes. */
  public void lastDeviceDetached(Domain d) {
    lazy.drain(d);
  }

  private void unmapPages(Domain d, long pfn, long pages) {
    iovas.requireLive(d, pfn, pages);
    List<Long> freed = d.table().unmapFreeing(pfn << Page.SHIFT, pages << Page.SHIFT);
    if (lazy.active()) {
      lazy.add(d, pfn, pages, freed);
      return;
    }
    if (d.did() != 0) backend.unmapFlush(d, pfn, pages, freed.isEmpty());
    for (int i = 0; i < freed.size(); i++) pool.free(freed.get(i));
    iovas.free(d, pfn);
  }

  private static long pagesOf(long offset, long size) {
    if (size <= 0) throw new IllegalArgumentException("size must be > 0: " + size);
    return (offset + size + Page.OFFSET_MASK) >>> Page.SHIFT;
  }

  /** ≤5.10 dma_ops also give write-only (FROM_DEVICE) maps R when CAP.ZLR=0. */
  private boolean permRead(Direction dir) {
    return preset.dmaMapReadable(dir, backend.cap().zlr());
  }

  private boolean permWrite(Direction dir) {
    return dir.deviceWrites();
  }
}
