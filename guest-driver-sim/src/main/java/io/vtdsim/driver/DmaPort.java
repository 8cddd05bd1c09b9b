package io.vtdsim.driver;

import io.vtdsim.driver.dma.DmaBackend;
import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.flush.FlushPolicy;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;

/** The driver's side of the DMA API's {@link DmaBackend}: boot state, attachments and flushes. */
final class DmaPort implements DmaBackend {
  private final DriverContext ctx;
  private final Flusher flusher;
  private final DeviceAttachments attachments;

  DmaPort(DriverContext ctx, Flusher flusher, DeviceAttachments attachments) {
    this.ctx = ctx;
    this.flusher = flusher;
    this.attachments = attachments;
  }

  @Override
  public Capability cap() {
    return ctx.cap;
  }

  @Override
  public int agaw() {
    return ctx.agaw;
  }

  @Override
  public FlushPolicy flushPolicy() {
    return ctx.flushPolicy;
  }

  @Override
  public Domain dmaDomain(SourceId dev) {
    return attachments.dmaDomain(dev);
  }

  @Override
  public Domain attachedDomain(SourceId dev) {
    return attachments.attachedDomain(dev);
  }

  @Override
  public void mapFlush(Domain d, long pfn, long pages) {
    flusher.mapFlush(d, pfn, pages);
  }

  @Override
  public void releaseSwitchedTables(Domain d, PageTable.MapResult r) {
    flusher.releaseSwitchedTables(d, r);
  }

  @Override
  public void flush(List<Flush> flushes) {
    flusher.flush(flushes);
  }

  @Override
  public void unmapFlush(Domain d, long pfn, long pages, boolean ih) {
    flusher.unmapFlush(d, pfn, pages, ih);
  }

  @Override
  public Flush domainFlush(Domain d, String reason) {
    return flusher.domainFlush(d, reason);
  }

  @Override
  public boolean firstStageDmaDomains() {
    return ctx.firstStageByDefault(false);
  }
}
