package io.vtdsim.driver;

import io.vtdsim.driver.dma.IovaAllocator;
import io.vtdsim.driver.dma.LazyFlushQueue;
import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.domain.DomainIdAllocator;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.flush.FlushPolicy;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.driver.pagetable.TablePagePool;
import io.vtdsim.driver.qi.Invalidator;
import io.vtdsim.driver.qi.QueuedInvalidator;
import io.vtdsim.driver.qi.RegisterInvalidator;
import io.vtdsim.driver.qi.UnitMmio;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * A Linux-like intel-iommu guest driver for one remapping unit, legacy (non-scalable) mode. It reaches
 * the machine only through MMIO on the {@link MmioBus} and its own pages of {@link GuestMemory} (facts:
 * drivers/iommu/intel/, docs/linux-6.1-trace.md). All API calls are serialised by one lock, so several vCPU
 * threads share the invalidation queue; every call emits {@code driver.call} before acting.
 */
public final class IntelIommuDriver {
  public static final String EV_CALL = "driver.call";
  public static final String EV_FLUSH = "driver.flush";
  public static final String EV_FAULT = "driver.fault";
  static final String SOURCE = "driver";

  static final long FOUR_GIB_LAST_PFN = (GuestMemory.FOUR_GIB - 1) >>> 12;

  private final GuestMemory memory;
  private final Clock clock;
  private final EventLog log;
  private final DriverConfig config;
  private final DriverPreset preset;
  private final UnitMmio mmio;
  private final TablePagePool pool;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Domain> domains = new LinkedHashMap<>();
  private final Map<Domain, IovaAllocator> iovas = new HashMap<>();
  private final Map<Domain, LazyFlushQueue<Deferred>> flushQueues = new LinkedHashMap<>();
  private final Map<SourceId, Domain> attached = new HashMap<>();
  private final Map<Integer, Long> contextTables = new HashMap<>();
  private final List<SourceId> lazyBootDevices = new ArrayList<>();
  private final Map<SourceId, String> deviceNames = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger nextCpu = new AtomicInteger();
  private final ThreadLocal<Integer> cpu = ThreadLocal.withInitial(nextCpu::getAndIncrement);

  private Capability cap;
  private ExtendedCapability ecap;
  private int agaw;
  private int gcmd;
  private long rootTable;
  private Invalidator invalidator;
  private FlushPolicy flushPolicy;
  private DomainIdAllocator dids;
  private LazyFlushQueue<Deferred> deferred;
  private boolean booted;

  /** An unmapped range waiting in a lazy flush queue. */
  private record Deferred(Domain domain, long pfn, long pages, List<Long> freelist) {}

  public IntelIommuDriver(MmioBus bus, GuestMemory memory, Clock clock, EventLog log, DriverConfig config) {
    this.memory = memory;
    this.clock = clock;
    this.log = log;
    this.config = config;
    this.preset = config.preset();
    this.mmio = new UnitMmio(bus, config.mmioBase(), config.waitBound());
    this.pool = new TablePagePool(memory, config.tablePoolBase(), config.tablePoolSize());
  }

  public DriverConfig config() {
    return config;
  }

  // ---------------------------------------------------------------- boot

  /**
   * Initialises the unit as Linux's init_dmars/intel_iommu_init (drivers/iommu/intel/iommu.c) and attaches the
   * default domains of {@code devices} in BDF order before enabling translation; the 4.10 preset
   * enables translation first and attaches each device at its first DMA map.
   */
  public void boot(List<SourceId> devices) {
    lock.lock();
    try {
      call("boot", "devices", devices.stream().map(SourceId::toString).collect(Collectors.joining(",")));
      if (booted) throw new IllegalStateException("the driver is already booted");
      readCapabilities();
      initQueuedInvalidation();
      int firstDid = preset.reservesDid1() ? 2 : 1;
      dids = new DomainIdAllocator(cap.domainCount(), firstDid);
      flushPolicy = new FlushPolicy(preset, config.flush(), cap);
      if ((mmio.read32(Registers.GSTS) & GlobalCommand.TE) != 0) {
        // firmware left translation on: turn it off first (not a kdump kernel)
        gcmd &= ~GlobalCommand.TE;
        mmio.write32(Registers.GCMD, gcmd);
        mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.TE) == 0, "TE off (GSTS.TES=0)");
      }
      rootTable = pool.allocate();
      writeBufferFlush();
      mmio.write64(Registers.RTADDR, rootTable);
      mmio.write32(Registers.GCMD, gcmd | GlobalCommand.SRTP);
      mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.SRTP) != 0, "set root table pointer (GSTS.RTPS)");
      if (!cap.esrtps()) {
        invalidate(List.of(ContextCacheInvalidation.global()));
        invalidate(List.of(IotlbInvalidation.global(cap.drd(), cap.dwd())));
      }
      writeBufferFlush();
      setFaultInterrupt();
      List<SourceId> sorted = new ArrayList<>(devices);
      sorted.sort((a, b) -> Integer.compare(a.sid(), b.sid()));
      booted = true;
      if (preset.translationBeforeAttach()) {
        enableTranslation();
        lazyBootDevices.addAll(sorted);
      } else {
        for (SourceId d : sorted) attachInternal(d, defaultDomainName(d));
        enableTranslation();
      }
    } finally {
      lock.unlock();
    }
  }

  private void readCapabilities() {
    // DMAR table parse, then alloc_iommu (which also reads VER and GSTS)
    mmio.read64(Registers.CAP);
    mmio.read64(Registers.ECAP);
    long capValue = mmio.read64(Registers.CAP);
    long ecapValue = mmio.read64(Registers.ECAP);
    mmio.read32(Registers.VER);
    int gsts = mmio.read32(Registers.GSTS);
    if (capValue == -1L && ecapValue == -1L) throw new DriverException("no remapping unit at the MMIO base (CAP/ECAP read all-ones)");
    cap = Capability.decode(capValue);
    ecap = ExtendedCapability.decode(ecapValue);
    if (cap.sagaw() == 0) throw new DriverException("CAP.SAGAW is 0: the unit is ignored");
    int max = AddressWidth.agawOfWidth(Math.min(preset.defaultAddressWidth(), cap.guestAddressWidth()));
    agaw = -1;
    for (int a = max; a >= 0; a--) {
      if (cap.supportsAgaw(a)) {
        agaw = a;
        break;
      }
    }
    if (agaw < 0) {
      for (int a = max + 1; a < 5; a++) {
        if (cap.supportsAgaw(a)) {
          agaw = a;
          break;
        }
      }
    }
    if (agaw < 0) throw new DriverException("no supported AGAW in SAGAW 0x" + Integer.toHexString(cap.sagaw()));
    // keep the persistent enables firmware left on
    gcmd = gsts & (GlobalCommand.TE | GlobalCommand.QIE | GlobalCommand.IRE);
  }

  private void initQueuedInvalidation() {
    handleFaults();
    int gsts = mmio.read32(Registers.GSTS);
    if ((gsts & GlobalCommand.QIE) != 0) {
      // dmar_disable_qi: let the queue drain, then turn it off
      mmio.await64(Registers.IQH, v -> v == mmio.read64(Registers.IQT), "queue drain (IQH == IQT)");
      gcmd &= ~GlobalCommand.QIE;
      mmio.write32(Registers.GCMD, gcmd);
      mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.QIE) == 0, "QI off (GSTS.QIES=0)");
    }
    if (ecap.qi()) {
      long queue = pool.allocate();
      long status = pool.allocate();
      mmio.write64(Registers.IQT, 0);
      mmio.write64(Registers.IQA, InvalidationQueueRegisters.iqa(queue, false, 0));
      gcmd |= GlobalCommand.QIE;
      mmio.write32(Registers.GCMD, gcmd);
      mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.QIE) != 0, "QI enable (GSTS.QIES)");
      invalidator = new QueuedInvalidator(mmio, memory, queue, status);
    } else {
      invalidator = new RegisterInvalidator(mmio, ecap.iro(), preset.ihOnRegisterPath());
    }
  }

  /** Write-buffer flush, only when CAP.RWBF (iommu_flush_write_buffer). */
  private void writeBufferFlush() {
    if (!cap.rwbf()) return;
    mmio.write32(Registers.GCMD, gcmd | GlobalCommand.WBF);
    mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.WBF) == 0, "write-buffer flush (GSTS.WBFS=0)");
  }

  /** dmar_set_interrupt: the MSI is composed at activation and again at affinity set (two writes each, as traced). */
  private void setFaultInterrupt() {
    for (int i = 0; i < 2; i++) {
      mmio.write32(Registers.FEDATA, config.faultMsiData());
      mmio.write32(Registers.FEADDR, (int) config.faultMsiAddress());
      mmio.write32(Registers.FEUADDR, (int) (config.faultMsiAddress() >>> 32));
    }
    mmio.write32(Registers.FECTL, 0);
    mmio.read32(Registers.FECTL);
  }

  private void enableTranslation() {
    gcmd |= GlobalCommand.TE;
    mmio.write32(Registers.GCMD, gcmd);
    mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.TE) != 0, "translation enable (GSTS.TES)");
  }

  private String defaultDomainName(SourceId d) {
    if (!preset.translationBeforeAttach()) {
      String g = config.groups().get(d);
      if (g != null) return "default:" + g;
    }
    return "default:" + d;
  }

  // ---------------------------------------------------------------- domains and attach

  /** Attaches {@code dev} to the named domain (created on first use); detaches it from its current one first. */
  public void attach(SourceId dev, String domainName) {
    lock.lock();
    try {
      call("attach", "dev", name(dev), "domain", domainName);
      requireBooted();
      if (domainName == null || domainName.isBlank()) throw new IllegalArgumentException("domain name is required");
      attachInternal(dev, domainName);
    } finally {
      lock.unlock();
    }
  }

  /** Detaches {@code dev}: its context entry is cleared and flushed per era; DMA then faults. */
  public void detach(SourceId dev) {
    lock.lock();
    try {
      call("detach", "dev", name(dev));
      requireBooted();
      if (!attached.containsKey(dev)) throw new IllegalStateException("device " + dev + " is not attached");
      detachInternal(dev);
    } finally {
      lock.unlock();
    }
  }

  /** The DID of a domain: 0 while no device is attached (Linux's "no DID allocated"). */
  public int domainId(String domain) {
    lock.lock();
    try {
      return domain(domain).did();
    } finally {
      lock.unlock();
    }
  }

  /** The domain a device is attached to. */
  public Optional<String> domainOf(SourceId dev) {
    lock.lock();
    try {
      Domain d = attached.get(dev);
      return d == null ? Optional.empty() : Optional.of(d.name());
    } finally {
      lock.unlock();
    }
  }

  /** AGAW chosen at boot (levels = agaw + 2). */
  public int agaw() {
    requireBooted();
    return agaw;
  }

  public long rootTableAddress() {
    requireBooted();
    return rootTable;
  }

  /** Guest-physical address of the named domain's top-level page table. */
  public long pageTableRoot(String domain) {
    lock.lock();
    try {
      return domain(domain).table().root();
    } finally {
      lock.unlock();
    }
  }

  private Domain domain(String name) {
    Domain d = domains.get(name);
    if (d == null) throw new IllegalArgumentException("unknown domain '" + name + "'; known: " + domains.keySet());
    return d;
  }

  private Domain domainOrCreate(String name) {
    return domains.computeIfAbsent(name, n -> {
      int levels = AddressWidth.levelsOfAgaw(agaw);
      int sp = cap.supports1G() ? 2 : cap.supports2M() ? 1 : 0;
      Domain d = new Domain(n, new PageTable(memory, pool, levels, sp));
      IovaAllocator a = new IovaAllocator();
      // the interrupt (MSI) window is kept out of every domain, as Linux's iova reserved regions
      a.reserve(InterruptRange.START >>> 12, (InterruptRange.END - 1) >>> 12);
      iovas.put(d, a);
      return d;
    });
  }

  private void attachInternal(SourceId dev, String domainName) {
    Domain target = domainOrCreate(domainName);
    Domain current = attached.get(dev);
    if (current == target) return;
    if (current != null) detachInternal(dev);
    if (target.did() == 0) target.did(dids.allocate());
    long entry = ContextEntry.address(contextTable(dev.bus()), dev.devfn());
    ContextEntry ce = new ContextEntry(true, false, TranslationType.MULTI_LEVEL, target.table().root(), agaw, target.did());
    // fill DID/AW/TT/SLPTPTR, then P last
    memory.write64(entry + 8, ce.hi());
    memory.write64(entry, ce.lo());
    if (cap.cm()) {
      // CM: not-present entries may be cached under DID 0 → device-selective CC with DID 0, then DSI
      invalidate(List.of(ContextCacheInvalidation.device(0, dev.sid(), 0)));
      Flush dsi = new Flush(Flush.Kind.DSI, target.did(), 0, 0, false,
          "attach " + dev + " under CM: DSI on the new DID (as Linux)");
      flush(List.of(dsi));
    } else {
      writeBufferFlush();
    }
    target.addDevice(dev);
    attached.put(dev, target);
  }

  private void detachInternal(SourceId dev) {
    Domain d = attached.remove(dev);
    long entry = ContextEntry.address(contextTable(dev.bus()), dev.devfn());
    int oldDid = ContextEntry.decode(memory.read64(entry), memory.read64(entry + 8)).did();
    // clear P first, then the rest
    memory.write64(entry, 0);
    memory.write64(entry + 8, 0);
    if (preset.globalDetachFlush()) {
      invalidate(List.of(ContextCacheInvalidation.global()));
      flush(List.of(new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false, "detach " + dev + ": global IOTLB (as Linux 4.x)")));
    } else {
      invalidate(List.of(ContextCacheInvalidation.device(oldDid, dev.sid(), 0)));
      flush(List.of(new Flush(Flush.Kind.DSI, oldDid, 0, 0, false, "detach " + dev + ": DSI on the old DID (as Linux ≥5.x)")));
    }
    d.removeDevice(dev);
    if (d.devices().isEmpty()) {
      LazyFlushQueue<Deferred> fq = flushQueues.get(d);
      if (fq != null) fq.flushAll();
      dids.free(d.did());
      d.did(0);
    }
  }

  /** The context table of a bus, allocating it and setting the root entry on first use. */
  private long contextTable(int bus) {
    return contextTables.computeIfAbsent(bus, b -> {
      long table = pool.allocate();
      long root = RootEntry.address(rootTable, b);
      memory.write64(root + 8, 0);
      memory.write64(root, new RootEntry(true, table).lo());
      return table;
    });
  }

  // ---------------------------------------------------------------- DMA API

  /** dma_map_single: maps [gpa, gpa+size) for {@code dev}; returns the address the device uses. */
  public long mapSingle(SourceId dev, long gpa, long size, Direction dir) {
    lock.lock();
    try {
      call("map-single", "dev", name(dev), "gpa", gpa, "size", size, "dir", dir.name());
      requireBooted();
      if (size <= 0) throw new IllegalArgumentException("size must be > 0: " + size);
      if (gpa < 0) throw new IllegalArgumentException("negative guest address: " + gpa);
      Domain d = dmaDomain(dev);
      long offset = gpa & 0xFFF;
      long pages = pagesOf(offset, size);
      long pfn = allocateIova(d, pages);
      mapPages(d, pfn, gpa >>> 12, pages, dir);
      return (pfn << 12) + offset;
    } finally {
      lock.unlock();
    }
  }

  /** dma_unmap_single of a range returned by {@link #mapSingle}. */
  public void unmapSingle(SourceId dev, long iova, long size, Direction dir) {
    lock.lock();
    try {
      call("unmap-single", "dev", name(dev), "iova", iova, "size", size, "dir", dir.name());
      requireBooted();
      Domain d = attachedDomain(dev);
      unmapPages(d, iova >>> 12, pagesOf(iova & 0xFFF, size));
    } finally {
      lock.unlock();
    }
  }

  /**
   * dma_map_sg: one contiguous IOVA range for the whole list, each segment padded to whole pages,
   * flushed once; returns each segment's device address.
   */
  public List<Long> mapSg(SourceId dev, List<SgEntry> sg, Direction dir) {
    lock.lock();
    try {
      call("map-sg", "dev", name(dev), "segments", sg.size(), "dir", dir.name());
      requireBooted();
      if (sg.isEmpty()) throw new IllegalArgumentException("scatter list is empty");
      Domain d = dmaDomain(dev);
      long total = 0;
      for (SgEntry e : sg) total += pagesOf(e.gpa() & 0xFFF, e.length());
      long pfn = allocateIova(d, total);
      List<Long> out = new ArrayList<>();
      long at = pfn;
      for (SgEntry e : sg) {
        long pages = pagesOf(e.gpa() & 0xFFF, e.length());
        d.table().map(at << 12, (e.gpa() >>> 12) << 12, pages << 12, permRead(dir), permWrite(dir));
        out.add((at << 12) + (e.gpa() & 0xFFF));
        at += pages;
      }
      mapFlush(d, pfn, total);
      return Collections.unmodifiableList(out);
    } finally {
      lock.unlock();
    }
  }

  /** dma_unmap_sg of a list mapped by {@link #mapSg}: one range from the first segment's page. */
  public void unmapSg(SourceId dev, List<Long> dmaAddresses, List<SgEntry> sg, Direction dir) {
    lock.lock();
    try {
      call("unmap-sg", "dev", name(dev), "segments", sg.size(), "dir", dir.name());
      requireBooted();
      if (sg.isEmpty() || dmaAddresses.isEmpty()) throw new IllegalArgumentException("scatter list is empty");
      Domain d = attachedDomain(dev);
      long total = 0;
      for (SgEntry e : sg) total += pagesOf(e.gpa() & 0xFFF, e.length());
      unmapPages(d, dmaAddresses.get(0) >>> 12, total);
    } finally {
      lock.unlock();
    }
  }

  /** IOVAs (first byte of each range) of DMA-API unmaps waiting in lazy flush queues, oldest first. */
  public List<Long> pendingLazyIovas() {
    lock.lock();
    try {
      List<Long> out = new ArrayList<>();
      if (deferred != null) deferred.pending().forEach(e -> out.add(e.pfn() << 12));
      for (LazyFlushQueue<Deferred> q : flushQueues.values()) q.pending().forEach(e -> out.add(e.pfn() << 12));
      return out;
    } finally {
      lock.unlock();
    }
  }

  private static long pagesOf(long offset, long size) {
    if (size <= 0) throw new IllegalArgumentException("size must be > 0: " + size);
    return (offset + size + 0xFFF) >>> 12;
  }

  private boolean permRead(Direction dir) {
    return dir.deviceReads() || (preset.writeOnlyMapsReadable() && !cap.zlr());
  }

  private boolean permWrite(Direction dir) {
    return dir.deviceWrites();
  }

  /** The domain DMA-API calls use: the attached one; 4.10 attaches a booted device at its first map. */
  private Domain dmaDomain(SourceId dev) {
    Domain d = attached.get(dev);
    if (d == null && lazyBootDevices.contains(dev)) {
      attachInternal(dev, defaultDomainName(dev));
      d = attached.get(dev);
    }
    if (d == null) throw new IllegalStateException("device " + dev + " is not attached to a domain");
    return d;
  }

  private Domain attachedDomain(SourceId dev) {
    Domain d = attached.get(dev);
    if (d == null) throw new IllegalStateException("device " + dev + " is not attached to a domain");
    return d;
  }

  private long allocateIova(Domain d, long pages) {
    long alloc = pages;
    // ≤5.10 dma_ops round every size up; iova.c rounds sizes below 32 pages (IOVA_RANGE_CACHE_MAX_SIZE)
    if (preset.roundsDmaSizeToPowerOfTwo() || pages < 32) alloc = roundUpPow2(pages);
    long aperture = (1L << Math.min(AddressWidth.widthOfAgaw(agaw), cap.guestAddressWidth())) - 1;
    long limit = Math.min(config.dmaMask() == -1L ? Long.MAX_VALUE : config.dmaMask(), aperture) >>> 12;
    IovaAllocator a = iovas.get(d);
    long pfn = -1;
    if (limit > FOUR_GIB_LAST_PFN) pfn = a.allocate(alloc, FOUR_GIB_LAST_PFN, cpu.get());
    if (pfn < 0) pfn = a.allocate(alloc, limit, cpu.get());
    if (pfn < 0) throw new DriverException("IOVA space of domain " + d.name() + " exhausted for " + pages + " pages");
    return pfn;
  }

  private static long roundUpPow2(long n) {
    return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
  }

  private void mapPages(Domain d, long pfn, long physPfn, long pages, Direction dir) {
    PageTable.MapResult r = d.table().map(pfn << 12, physPfn << 12, pages << 12, permRead(dir), permWrite(dir));
    releaseSwitchedTables(d, r);
    mapFlush(d, pfn, pages);
  }

  /** After non-present→present: CM → PSI (map=1) per policy; CM=0 → write-buffer flush. */
  private void mapFlush(Domain d, long pfn, long pages) {
    if (!cap.cm()) {
      writeBufferFlush();
      return;
    }
    if (d.did() == 0) return;
    flush(flushPolicy.range(d.did(), pfn, pages, false, true));
  }

  private void releaseSwitchedTables(Domain d, PageTable.MapResult r) {
    if (r.freelist().isEmpty()) return;
    if (preset.flushesSuperpageSwitch() && d.did() != 0) {
      for (long[] range : r.switchedRanges()) {
        flush(flushPolicy.range(d.did(), range[0] >>> 12, range[1] >>> 12, false, false));
      }
    }
    r.freelist().forEach(pool::free);
  }

  private boolean lazy() {
    if (config.dmaMode() != DmaMode.LAZY) return false;
    return !(cap.cm() && preset.lazyRule() == DriverPreset.LazyRule.CM_FORCES_STRICT);
  }

  private void unmapPages(Domain d, long pfn, long pages) {
    IovaAllocator a = iovas.get(d);
    if (!a.isLive(pfn) || a.allocatedPages(pfn) < pages) {
      throw new IllegalArgumentException(String.format(
          "IOVA 0x%x (+%d pages) was not mapped by the DMA API in domain %s", pfn << 12, pages, d.name()));
    }
    PageTable.UnmapResult r = d.table().unmap(pfn << 12, pages << 12);
    if (lazy()) {
      Deferred e = new Deferred(d, pfn, pages, r.freelist());
      if (preset.lazyRule() == DriverPreset.LazyRule.PER_ENTRY_PSI_UNDER_CM) {
        if (deferred == null) {
          deferred = new LazyFlushQueue<>(clock, preset.flushQueueEntries(), false, this::flushDeferred);
        }
        deferred.add(e, () -> timeout(deferred));
      } else {
        LazyFlushQueue<Deferred> q = flushQueues.computeIfAbsent(d,
            k -> new LazyFlushQueue<>(clock, preset.flushQueueEntries(), true, this::flushDeferred));
        q.add(e, () -> timeout(q));
      }
      return;
    }
    if (d.did() != 0) flush(flushPolicy.range(d.did(), pfn, pages, r.freelist().isEmpty(), false));
    r.freelist().forEach(pool::free);
    a.free(pfn, cpu.get());
  }

  private void timeout(LazyFlushQueue<Deferred> q) {
    lock.lock();
    try {
      q.flushAll();
    } finally {
      lock.unlock();
    }
  }

  /** Flush-all of a lazy queue, then free the IOVAs and table pages (fq_flush_timeout, drivers/iommu/dma-iommu.c). */
  private void flushDeferred(List<Deferred> entries) {
    if (preset.lazyRule() == DriverPreset.LazyRule.PER_ENTRY_PSI_UNDER_CM) {
      if (cap.cm()) {
        // 78d5f0f500e6: under CM no global flush, one PSI per entry
        for (Deferred e : entries) {
          if (e.domain().did() != 0) {
            flush(flushPolicy.range(e.domain().did(), e.pfn(), e.pages(), e.freelist().isEmpty(), false));
          }
        }
      } else {
        flush(List.of(new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false,
            "deferred flush of " + entries.size() + " unmaps, CM=0: global (as Linux ≤4.13)")));
      }
    } else {
      Domain d = entries.get(0).domain();
      if (d.did() != 0) {
        flush(List.of(flushPolicy.domain(d.did(), "flush queue: flush-all of " + entries.size() + " unmaps")));
      }
    }
    for (Deferred e : entries) {
      e.freelist().forEach(pool::free);
      iovas.get(e.domain()).free(e.pfn(), cpu.get());
    }
  }

  // ---------------------------------------------------------------- IOMMU API

  /**
   * iommu_map on a domain (what vfio or DPDK inside the guest use): caller-chosen, possibly unaligned or
   * huge, 4 KiB-granular range. Flushes under CM per era: none before 4.18, per power-of-two chunk up to
   * 5.11, once per call from 5.12.
   */
  public void map(String domainName, long iova, long gpa, long size, boolean read, boolean write) {
    lock.lock();
    try {
      call("map", "domain", domainName, "iova", iova, "gpa", gpa, "size", size, "read", read, "write", write);
      requireBooted();
      if (((iova | gpa | size) & 0xFFF) != 0 || size <= 0 || iova < 0 || gpa < 0) {
        throw new IllegalArgumentException(String.format(
            "iommu map needs 4 KiB aligned, non-negative iova/gpa/size: 0x%x 0x%x 0x%x", iova, gpa, size));
      }
      if (!read && !write) throw new IllegalArgumentException("a mapping needs read or write permission");
      Domain d = domainOrCreate(domainName);
      if (d.table().anyPresent(iova, size)) {
        throw new IllegalStateException(String.format(
            "DMA PTE already set in [0x%x, 0x%x) of domain %s", iova, iova + size, domainName));
      }
      long done = 0;
      while (done < size) {
        long chunk = chunk(iova + done, gpa + done, size - done);
        PageTable.MapResult r = d.table().map(iova + done, gpa + done, chunk, read, write);
        releaseSwitchedTables(d, r);
        if (preset.iommuApiMapFlush() == DriverPreset.IommuApiMapFlush.PER_CHUNK) {
          mapFlush(d, (iova + done) >>> 12, chunk >>> 12);
        }
        done += chunk;
      }
      switch (preset.iommuApiMapFlush()) {
        case PER_CALL -> mapFlush(d, iova >>> 12, size >>> 12);
        case NONE -> {
          if (cap.cm() && d.did() != 0) {
            flush(List.of(new Flush(Flush.Kind.NONE, d.did(), iova, 0, false,
                "IOMMU-API map before Linux 4.18 does not flush, even under CM")));
          }
        }
        default -> { }
      }
    } finally {
      lock.unlock();
    }
  }

  /** iommu_unmap; returns the bytes unmapped (a superpage is unmapped whole, as Linux). */
  public long unmap(String domainName, long iova, long size) {
    lock.lock();
    try {
      call("unmap", "domain", domainName, "iova", iova, "size", size);
      requireBooted();
      if (((iova | size) & 0xFFF) != 0 || size <= 0 || iova < 0) {
        throw new IllegalArgumentException(String.format("iommu unmap needs 4 KiB aligned iova/size: 0x%x 0x%x", iova, size));
      }
      Domain d = domain(domainName);
      long done = 0;
      long total = 0;
      List<Long> gathered = new ArrayList<>();
      while (done < size) {
        long chunk = chunk(iova + done, 0, size - done);
        PageTable.UnmapResult r = d.table().unmap(iova + done, chunk);
        long cleared = Math.max(chunk, r.size());
        if (preset.unmapFlushPerChunk()) {
          if (d.did() != 0) flush(flushPolicy.range(d.did(), (iova + done) >>> 12, cleared >>> 12, r.freelist().isEmpty(), false));
          r.freelist().forEach(pool::free);
        } else {
          gathered.addAll(r.freelist());
        }
        done += cleared;
        total += r.size();
      }
      if (!preset.unmapFlushPerChunk()) {
        if (d.did() != 0) flush(flushPolicy.range(d.did(), iova >>> 12, done >>> 12, gathered.isEmpty(), false));
        gathered.forEach(pool::free);
      }
      return total;
    } finally {
      lock.unlock();
    }
  }

  /** iommu_pgsize: the largest page size aligned to iova|gpa that fits (≤5.x: every power of two; 6.x: 4K|2M|1G). */
  private long chunk(long iova, long gpa, long left) {
    long merged = iova | gpa;
    int align = merged == 0 ? 62 : Long.numberOfTrailingZeros(merged);
    int fit = 63 - Long.numberOfLeadingZeros(left);
    int bits = Math.min(align, fit);
    if (!preset.allPowerOfTwoPageSizes()) {
      if (bits >= 30 && cap.supports1G()) bits = 30;
      else if (bits >= 21 && cap.supports2M()) bits = 21;
      else bits = 12;
    }
    return 1L << bits;
  }

  // ---------------------------------------------------------------- faults

  /** The fault-event interrupt handler (dmar_fault): reads and clears fault records, reports them. */
  public void onInterrupt(long address, int data) {
    lock.lock();
    try {
      call("interrupt", "address", address, "data", data);
      requireBooted();
      handleFaults();
    } finally {
      lock.unlock();
    }
  }

  private void handleFaults() {
    int fsts = mmio.read32(Registers.FSTS);
    if ((fsts & FaultStatus.PPF) == 0) return;
    int records = cap.nfr() + 1;
    int index = FaultStatus.fri(fsts);
    for (int n = 0; n < records; n++) {
      int off = Registers.faultRecord(cap.fro(), index);
      long hi = mmio.read64(off + FaultRecord.HI_OFFSET);
      if ((hi & FaultRecord.F) == 0) break;
      FaultRecord r = FaultRecord.decode(mmio.read64(off), hi);
      log.emit(EV_FAULT, SOURCE, String.format("DMAR fault: sid %s addr 0x%x reason 0x%x %s",
              SourceId.of(r.sid()), r.pageAddress(), r.reason(), r.read() ? "read" : "write"),
          attrs("sid", r.sid(), "addr", r.pageAddress(), "reason", r.reason(), "read", r.read()));
      mmio.write32(off + FaultRecord.F_DWORD_OFFSET, FaultRecord.F_IN_DWORD); // F is RW1C
      index = (index + 1) % records;
    }
    mmio.write32(Registers.FSTS, FaultStatus.PFO | FaultStatus.PPF | FaultStatus.PRO);
  }

  // ---------------------------------------------------------------- flushing

  /** Reports each decision as driver.flush and submits the descriptors (batched as the preset does). */
  private void flush(List<Flush> flushes) {
    List<InvalidationDescriptor> descs = new ArrayList<>();
    for (Flush f : flushes) {
      log.emit(EV_FLUSH, SOURCE, f.kind().label() + ": " + f.reason(),
          attrs("decision", f.kind().label(), "did", f.did(), "addr", f.address(), "am", f.am(), "ih", f.ih(),
              "reason", f.reason()));
      if (f.kind() != Flush.Kind.NONE) descs.add(f.descriptor(cap.drd(), cap.dwd(), !invalidator.queued()));
    }
    int batch = preset.batchLimit();
    for (int i = 0; i < descs.size(); i += batch) {
      invalidate(descs.subList(i, Math.min(descs.size(), i + batch)));
    }
  }

  private void invalidate(List<InvalidationDescriptor> descs) {
    invalidator.submit(List.copyOf(descs));
  }

  /** Test hook for IQE recovery: submits raw descriptors through the driver's queue, under the driver lock. */
  void submitRaw(List<InvalidationDescriptor> descs) {
    lock.lock();
    try {
      requireBooted();
      invalidate(descs);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The bdf text of a device, cached (String.format is slow on the map/unmap path). */
  private String name(SourceId dev) {
    return deviceNames.computeIfAbsent(dev, SourceId::toString);
  }

  private void requireBooted() {
    if (!booted) throw new IllegalStateException("the driver is not booted: call boot() first");
  }

  private void call(String op, Object... kv) {
    Object[] all = new Object[kv.length + 2];
    all[0] = "op";
    all[1] = op;
    System.arraycopy(kv, 0, all, 2, kv.length);
    Map<String, Object> a = attrs(all);
    StringBuilder detail = new StringBuilder(op);
    for (int i = 0; i < kv.length; i += 2) {
      Object v = kv[i + 1];
      detail.append(' ').append(kv[i]).append('=');
      detail.append(v instanceof Long l ? "0x" + Long.toHexString(l) : String.valueOf(v));
    }
    log.emit(EV_CALL, SOURCE, detail.toString(), a);
  }

  /** Event attributes in the order given (deterministic rendering). */
  private static Map<String, Object> attrs(Object... kv) {
    return Attrs.of(kv);
  }
}
