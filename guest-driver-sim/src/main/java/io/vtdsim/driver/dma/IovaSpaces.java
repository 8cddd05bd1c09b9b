package io.vtdsim.driver.dma;

import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverException;
import io.vtdsim.driver.domain.Domain;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.Page;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The DMA API's IOVA space of each domain (iova.c): one allocator per domain with the interrupt window
 * reserved, the era's size rounding, the aperture and DMA-mask limit, below-4-GiB-first, and the
 * calling vCPU as the per-CPU cache index. Called under the driver lock.
 */
final class IovaSpaces {
  static final long FOUR_GIB_LAST_PFN = (GuestMemory.FOUR_GIB - 1) >>> Page.SHIFT;

  private final DriverConfig config;
  private final DmaBackend backend;
  private final Map<Domain, IovaAllocator> allocators = new HashMap<>();
  private final AtomicInteger nextCpu = new AtomicInteger();
  private final ThreadLocal<Integer> cpu = ThreadLocal.withInitial(nextCpu::getAndIncrement);

  IovaSpaces(DriverConfig config, DmaBackend backend) {
    this.config = config;
    this.backend = backend;
  }

  /** Allocates the IOVA pfn range for {@code pages} pages of domain {@code d}. */
  long allocate(Domain d, long pages) {
    long alloc = pages;
    // ≤5.10 dma_ops round every size up; iova.c rounds sizes below 32 pages (IOVA_RANGE_CACHE_MAX_SIZE)
    if (config.preset().roundsDmaSizeToPowerOfTwo() || pages < 32) alloc = roundUpPow2(pages);
    // a first-stage domain's aperture skips the top bit: its IOVAs must be canonical (aperture_end =
    // __DOMAIN_MAX_ADDR(gaw - 1), "Make first level IOVA canonical", 5.6)
    int width = Math.min(AddressWidth.widthOfAgaw(backend.agaw()), backend.cap().guestAddressWidth());
    long aperture = (1L << (d.firstStage() ? width - 1 : width)) - 1;
    long limit = Math.min(config.dmaMask() == -1L ? Long.MAX_VALUE : config.dmaMask(), aperture) >>> Page.SHIFT;
    IovaAllocator a = of(d);
    long pfn = -1;
    // a 64-bit device tries below 4 GiB first (intel_alloc_iova ≤5.10, iommu_dma_alloc_iova ≥5.11); only
    // 4.x flushes the rcache when that attempt fails
    if (limit > FOUR_GIB_LAST_PFN) {
      pfn = a.allocate(alloc, FOUR_GIB_LAST_PFN, cpu.get(), a.rules().firstAttemptFlushesRcache());
    }
    if (pfn < 0) pfn = a.allocate(alloc, limit, cpu.get(), true);
    if (pfn < 0) throw new DriverException("IOVA space of domain " + d.name() + " exhausted for " + pages + " pages");
    return pfn;
  }

  /** Throws unless [pfn, pfn+pages) was handed out by {@link #allocate} and is still live. */
  void requireLive(Domain d, long pfn, long pages) {
    IovaAllocator a = of(d);
    if (!a.isLive(pfn) || a.allocatedPages(pfn) < pages) {
      throw new IllegalArgumentException(String.format(
          "IOVA 0x%x (+%d pages) was not mapped by the DMA API in domain %s", pfn << Page.SHIFT, pages, d.name()));
    }
  }

  void free(Domain d, long pfn) {
    of(d).free(pfn, cpu.get());
  }

  private IovaAllocator of(Domain d) {
    IovaAllocator known = allocators.get(d); // no capturing lambda on the hot path
    if (known != null) return known;
    return allocators.computeIfAbsent(d, k -> {
      IovaAllocator a = new IovaAllocator(config.preset().iovaRules());
      // the interrupt (MSI) window is kept out of every domain, as Linux's iova reserved regions
      a.reserve(InterruptRange.START >>> Page.SHIFT, (InterruptRange.END - 1) >>> Page.SHIFT);
      return a;
    });
  }

  private static long roundUpPow2(long n) {
    return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
  }
}
