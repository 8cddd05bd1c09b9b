package io.vtdsim.driver.dma;

import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.flush.FlushPolicy;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;

/**
 * What the DMA API needs from the rest of the driver: what boot read from the unit, the device's
 * domain, and the flush paths the IOMMU API shares. Implemented in {@code io.vtdsim.driver}; every
 * method is called under the driver lock, after boot.
 */
public interface DmaBackend {
  /** CAP as read at boot. */
  Capability cap();

  /** AGAW chosen at boot (the domains' address width). */
  int agaw();

  /** The flush policy chosen at boot. */
  FlushPolicy flushPolicy();

  /** The domain DMA-API maps use: the attached one (4.10 attaches a booted device at its first map). */
  Domain dmaDomain(SourceId dev);

  /** The domain a device is attached to (unmaps). */
  Domain attachedDomain(SourceId dev);

  /** After non-present→present: the CM map flush per policy, or a write-buffer flush when CM=0. */
  void mapFlush(Domain d, long pfn, long pages);

  /** Returns the lower tables a superpage replaced to the pool, flushing first where the era does. */
  void releaseSwitchedTables(Domain d, PageTable.MapResult r);

  /** Reports each decision as driver.flush and submits its descriptors. */
  void flush(List<Flush> flushes);

  /**
   * The unmap flush of [pfn, pfn+pages) in domain {@code d}: {@link #flush} of the policy's decisions for
   * the domain's stage (without the decision objects where nothing reads them).
   */
  void unmapFlush(Domain d, long pfn, long pages, boolean ih);

  /** A flush of the whole domain (the flush queue's flush-all): DSI, or PASID-based for a first-stage domain. */
  Flush domainFlush(Domain d, String reason);

  /** Whether DMA-API (IOMMU_DOMAIN_DMA) domains use the first stage (first_level_by_default). */
  boolean firstStageDmaDomains();
}
