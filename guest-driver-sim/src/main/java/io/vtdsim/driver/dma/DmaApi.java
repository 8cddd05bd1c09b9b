package io.vtdsim.driver.dma;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.driver.pagetable.TablePagePool;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.SourceId;
import java.util.ArrayList;
import java.util.Collections;
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
   * dma_map_sg: one contiguous IOVA range for the whole list, each segment padded to whole pages,
   * flushed once; returns each segment's device address.
   */
  public List<Long> mapSg(SourceId dev, List<SgEntry> sg, Direction dir) {
    if (sg.isEmpty()) throw new IllegalArgumentException("scatter list is empty");
    Domain d = backend.dmaDomain(dev);
    long total = sgPages(sg);
    long pfn = iovas.allocate(d, total);
    List<Long> out = new ArrayList<>();
    long at = pfn;
    for (SgEntry e : sg) {
      long pages = pagesOf(e.gpa() & Page.OFFSET_MASK, e.length());
      d.table().map(at << Page.SHIFT, (e.gpa() >>> Page.SHIFT) << Page.SHIFT, pages << Page.SHIFT, permRead(dir), permWrite(dir));
      out.add((at << Page.SHIFT) + (e.gpa() & Page.OFFSET_MASK));
      at += pages;
    }
    backend.mapFlush(d, pfn, total);
    return Collections.unmodifiableList(out);
  }

  /** dma_unmap_sg of a list mapped by {@link #mapSg}: one range from the first segment's page. */
  public void unmapSg(SourceId dev, List<Long> dmaAddresses, List<SgEntry> sg, Direction dir) {
    if (sg.isEmpty() || dmaAddresses.isEmpty()) throw new IllegalArgumentException("scatter list is empty");
    Domain d = backend.attachedDomain(dev);
    unmapPages(d, dmaAddresses.get(0) >>> Page.SHIFT, sgPages(sg));
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
    if (d.did() != 0) backend.unmapFlush(d.did(), pfn, pages, freed.isEmpty());
    for (int i = 0; i < freed.size(); i++) pool.free(freed.get(i));
    iovas.free(d, pfn);
  }

  private static long sgPages(List<SgEntry> sg) {
    long total = 0;
    for (SgEntry e : sg) total += pagesOf(e.gpa() & Page.OFFSET_MASK, e.length());
    return total;
  }

  private static long pagesOf(long offset, long size) {
    if (size <= 0) throw new IllegalArgumentException("size must be > 0: " + size);
    return (offset + size + Page.OFFSET_MASK) >>> Page.SHIFT;
  }

  /** ≤5.10 dma_ops also give write-only (FROM_DEVICE) maps R when CAP.ZLR=0. */
  private boolean permRead(Direction dir) {
    return dir.deviceReads() || (preset.writeOnlyMapsReadable() && !backend.cap().zlr());
  }

  private boolean permWrite(Direction dir) {
    return dir.deviceWrites();
  }
}
