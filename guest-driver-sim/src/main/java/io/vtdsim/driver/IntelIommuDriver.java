package io.vtdsim.driver;

import io.vtdsim.driver.dma.DmaApi;
import io.vtdsim.driver.domain.TranslationStage;
import io.vtdsim.driver.qi.UnitMmio;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A Linux-like intel-iommu guest driver for one remapping unit, in legacy mode or — on a unit with
 * ECAP.SMTS, where the era and {@link ScalableMode} allow it — scalable mode, its domains first- or
 * second-stage. It reaches
 * the machine only through MMIO on the {@link MmioBus} and its own pages of {@link GuestMemory} (facts:
 * drivers/iommu/intel/, docs/linux-6.1-trace.md). All API calls are serialised by one lock, so several vCPU
 * threads share the invalidation queue; every call emits {@code driver.call} before acting.
 *
 * <p>This class is the facade: it takes the lock, reports the call, checks boot, and hands the work to
 * {@link UnitBringUp} (init), {@link DeviceAttachments} (domains, attach/detach), {@link DmaApi} (DMA
 * API and lazy flush queues), {@link IommuApi} (iommu_map/unmap) and {@link FaultHandler}.
 */
public final class IntelIommuDriver {
  public static final String EV_CALL = EventKind.DRIVER_CALL.label();
  public static final String EV_FLUSH = EventKind.DRIVER_FLUSH.label();
  public static final String EV_FAULT = EventKind.DRIVER_FAULT.label();
  static final String SOURCE = "driver";

  private final DriverContext ctx;
  private final ReentrantLock lock;
  private final Flusher flusher;
  private final FaultHandler faults;
  private final DeviceAttachments attachments;
  private final UnitBringUp bringUp;
  private final DmaApi dma;
  private final IommuApi iommuApi;
  private final Map<SourceId, String> deviceNames = new ConcurrentHashMap<>();

  public IntelIommuDriver(MmioBus bus, GuestMemory memory, Clock clock, EventLog log, DriverConfig config) {
    this.ctx = new DriverContext(new UnitMmio(bus, config.mmioBase(), config.waitBound()), memory, clock, log, config);
    this.lock = ctx.lock;
    this.flusher = new Flusher(ctx);
    this.faults = new FaultHandler(ctx);
    this.attachments = new DeviceAttachments(ctx, flusher);
    this.dma = new DmaApi(config, clock, ctx.pool, lock, new DmaPort(ctx, flusher, attachments));
    attachments.onLastDeviceDetached(dma::lastDeviceDetached);
    this.bringUp = new UnitBringUp(ctx, flusher, faults, attachments);
    this.iommuApi = new IommuApi(ctx, flusher, attachments);
  }

  public DriverConfig config() {
    return ctx.config;
  }

  // ---------------------------------------------------------------- boot

  /**
   * Initialises the unit as Linux's init_dmars/intel_iommu_init (drivers/iommu/intel/iommu.c) and attaches the
   * default domains of {@code devices} in BDF order before enabling translation; the 4.10 preset
   * enables translation first and attaches each device at its first DMA map.
   */
  public void boot(List<SourceId> devices) {
    lockedRun(() -> {
      call("boot", "devices", devices.stream().map(SourceId::toString).collect(Collectors.joining(",")));
      bringUp.boot(devices);
    });
  }

  /**
   * Shutdown (reboot or power-off): ≥5.1 intel_iommu_shutdown turns translation off, nothing else; 4.10
   * has no shutdown hook. Every later call is refused.
   */
  public void shutdown() {
    apiRun(() -> {
      bringUp.shutdown();
      ctx.shutDown = true;
    }, "shutdown");
  }

  // ---------------------------------------------------------------- domains and attach

  /** Attaches {@code dev} to the named domain (created on first use); detaches it from its current one first. */
  public void attach(SourceId dev, String domainName) {
    apiRun(() -> attachments.attach(dev, domainName), "attach", "dev", name(dev), "domain", domainName);
  }

  /** Detaches {@code dev}: its context entry is cleared and flushed per era; DMA then faults. */
  public void detach(SourceId dev) {
    apiRun(() -> attachments.detach(dev), "detach", "dev", name(dev));
  }

  /** The DID of a domain: 0 while no device is attached (Linux's "no DID allocated"). */
  public int domainId(String domain) {
    return locked(() -> attachments.domain(domain).did());
  }

  /** The domain a device is attached to. */
  public Optional<String> domainOf(SourceId dev) {
    return locked(() -> attachments.domainOf(dev));
  }

  /** AGAW chosen at boot (levels = agaw + 2). */
  public int agaw() {
    ctx.requireBooted();
    return ctx.agaw;
  }

  public long rootTableAddress() {
    ctx.requireBooted();
    return ctx.rootTable;
  }

  /**
   * Whether the driver runs the unit in scalable mode (RTADDR.TTM = 01b, PASID tables): ECAP.SMTS, an
   * era with scalable mode and intel_iommu=sm_on|sm_off ({@link DriverConfig#scalableMode()}) agreed.
   */
  public boolean scalableMode() {
    return locked(() -> {
      ctx.requireBooted();
      return ctx.scalable;
    });
  }

  /** The stage of the named domain's page table: second in legacy mode, first or second in scalable mode. */
  public TranslationStage domainStage(String domain) {
    return locked(() -> attachments.domain(domain).stage());
  }

  /** Guest-physical address of the named domain's top-level page table. */
  public long pageTableRoot(String domain) {
    return locked(() -> attachments.domain(domain).table().root());
  }

  // ---------------------------------------------------------------- DMA API

  /** dma_map_single: maps [gpa, gpa+size) for {@code dev}; returns the address the device uses. */
  public long mapSingle(SourceId dev, long gpa, long size, Direction dir) {
    // spelled out rather than through apiCall: the hot path builds no arguments when nobody listens
    lock.lock();
    try {
      if (ctx.log.enabled()) call("map-single", "dev", name(dev), "gpa", gpa, "size", size, "dir", dir.name());
      ctx.requireBooted();
      return dma.mapSingle(dev, gpa, size, dir);
    } finally {
      lock.unlock();
    }
  }

  /** dma_unmap_single of a range returned by {@link #mapSingle}. */
  public void unmapSingle(SourceId dev, long iova, long size, Direction dir) {
    lock.lock();
    try {
      if (ctx.log.enabled()) call("unmap-single", "dev", name(dev), "iova", iova, "size", size, "dir", dir.name());
      ctx.requireBooted();
      dma.unmapSingle(dev, iova, size, dir);
    } finally {
      lock.unlock();
    }
  }

  /**
   * dma_map_sg for a device with PCI's default limits ({@link DmaLimits#PCI_DEFAULT}): one IOVA range
   * for the whole list, laid out as the era's map_sg does ({@link io.vtdsim.driver.dma.SgLayout}).
   */
  public SgMapping mapSg(SourceId dev, List<SgEntry> sg, Direction dir) {
    return mapSg(dev, sg, dir, DmaLimits.PCI_DEFAULT);
  }

  /** dma_map_sg for a device whose driver set {@code limits} (dma_set_max_seg_size / dma_set_seg_boundary). */
  public SgMapping mapSg(SourceId dev, List<SgEntry> sg, Direction dir, DmaLimits limits) {
    return apiCall(() -> dma.mapSg(dev, sg, dir, limits), "map-sg", "dev", name(dev), "segments", sg.size(),
        "dir", dir.name());
  }

  /** dma_unmap_sg of a list {@link #mapSg} mapped: its whole IOVA range. */
  public void unmapSg(SourceId dev, SgMapping m, Direction dir) {
    apiRun(() -> dma.unmapSg(dev, m, dir), "unmap-sg", "dev", name(dev), "iova", m.iova(), "size", m.bytes(),
        "dir", dir.name());
  }

  /** IOVAs (first byte of each range) of DMA-API unmaps waiting in lazy flush queues, oldest first. */
  public List<Long> pendingLazyIovas() {
    return locked(dma::pendingLazyIovas);
  }

  // ---------------------------------------------------------------- IOMMU API

  /**
   * iommu_map on a domain (what vfio or DPDK inside the guest use): caller-chosen, possibly unaligned or
   * huge, 4 KiB-granular range. Flushes under CM per era: none before 4.18, per power-of-two chunk up to
   * 5.11, once per call from 5.12.
   */
  public void map(String domainName, long iova, long gpa, long size, boolean read, boolean write) {
    apiRun(() -> iommuApi.map(domainName, iova, gpa, size, read, write),
        "map", "domain", domainName, "iova", iova, "gpa", gpa, "size", size, "read", read, "write", write);
  }

  /** iommu_unmap; returns the bytes unmapped (a superpage is unmapped whole, as Linux). */
  public long unmap(String domainName, long iova, long size) {
    return apiCall(() -> iommuApi.unmap(domainName, iova, size),
        "unmap", "domain", domainName, "iova", iova, "size", size);
  }

  // ---------------------------------------------------------------- faults

  /** The fault-event interrupt handler (dmar_fault): reads and clears fault records, reports them. */
  public void onInterrupt(long address, int data) {
    apiRun(faults::handleFaults, "interrupt", "address", address, "data", data);
  }

  // ---------------------------------------------------------------- test hooks

  /** Test hook: the RID_PASID entry the driver wrote for {@code dev} in scalable mode, decoded (null: none). */
  io.vtdsim.emu.spec.PasidTableEntry attachedPasidEntry(SourceId dev) {
    return locked(() -> {
      if (!ctx.scalable) throw new IllegalStateException("the driver runs legacy mode: no PASID entries");
      return attachments.scalableTables().pasidEntry(dev);
    });
  }

  /** Test hook for IQE recovery: submits raw descriptors through the driver's queue, under the driver lock. */
  void submitRaw(List<InvalidationDescriptor> descs) {
    lockedRun(() -> {
      ctx.requireBooted();
      flusher.invalidate(descs);
    });
  }

  // ---------------------------------------------------------------- locking

  /** Runs {@code work} under the driver lock. */
  private <T> T locked(Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private void lockedRun(Runnable work) {
    locked(() -> {
      work.run();
      return null;
    });
  }

  /** One API call under the driver lock: {@code driver.call} first, then the boot check, then the work. */
  private <T> T apiCall(Supplier<T> work, String op, Object... kv) {
    return locked(() -> {
      call(op, kv);
      ctx.requireBooted();
      return work.get();
    });
  }

  private void apiRun(Runnable work, String op, Object... kv) {
    apiCall(() -> {
      work.run();
      return null;
    }, op, kv);
  }

  // ---------------------------------------------------------------- helpers

  /** The bdf text of a device, cached (String.format is slow on the map/unmap path). */
  private String name(SourceId dev) {
    return deviceNames.computeIfAbsent(dev, SourceId::toString);
  }

  /** Emits driver.call: attrs op then the given pairs in order, detail "op k=v ..." (longs in hex). */
  private void call(String op, Object... kv) {
    if (ctx.log.enabled()) ctx.log.emit(SOURCE, new EventBody.DriverCall(op, kv));
  }

}
