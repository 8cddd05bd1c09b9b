package io.vtdsim.harness.testbed;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DmaLimits;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.IntelIommuDriver;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.SgMapping;
import io.vtdsim.driver.domain.TranslationStage;
import io.vtdsim.driver.dma.SgLayout;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.MappingOracle;
import io.vtdsim.harness.report.EventKinds;
import java.util.List;

/**
 * A TestBed's actions: each calls the driver on a vCPU and, once the driver has accepted the call,
 * keeps the oracle's intent in step with what was asked for and tells the oracle what to look at
 * again (a rejected call changes nothing in the intent). DMA-API unmaps go to the lazy tracker too.
 */
final class IntentActions {
  private final Vcpus vcpus;
  private final IntelIommuDriver driver;
  private final DriverPreset preset;
  private final DeviceRoster devices;
  private final IntentModel intent;
  private final MappingOracle oracle;
  private final GuestMemory memory;
  private final RamRegion pool;
  private final EventLog log;
  private final boolean zeroLengthRead;
  private final LazyUnmaps lazyUnmaps;

  IntentActions(TestBedAssembly parts, LazyUnmaps lazyUnmaps) {
    this.vcpus = parts.vcpus;
    this.driver = parts.driver;
    this.preset = parts.driverConfig.preset();
    this.devices = parts.devices;
    this.intent = parts.intent;
    this.oracle = parts.oracle;
    this.memory = parts.memory;
    this.pool = parts.pool;
    this.log = parts.log;
    this.zeroLengthRead = parts.vtdConfig.cap().zlr();
    this.lazyUnmaps = lazyUnmaps;
  }

  void boot() {
    vcpus.run(() -> driver.boot(devices.sids()));
    // Linux attaches every device to its default DMA domain at boot (Linux intel_iommu_init probes devices before TE); the intent
    // follows, under the driver's name for that domain, with nothing mapped in it yet
    for (DeviceConfig d : devices.all()) {
      driver.domainOf(d.bdf()).ifPresent(name -> intent.attach(d.id(), name));
    }
    oracle.touchAll();
  }

  void attach(String device, String domain) {
    vcpus.run(() -> driver.attach(devices.sid(device), domain));
    for (String member : devices.groupOf(device)) intent.attach(member, domain);
    oracle.touchAll();
  }

  void detach(String device) {
    vcpus.run(() -> driver.detach(devices.sid(device)));
    for (String member : devices.groupOf(device)) {
      if (driver.domainOf(devices.sid(member)).isEmpty()) intent.detach(member);
    }
    oracle.touchAll();
  }

  void shutdown() {
    vcpus.run(driver::shutdown);
    oracle.touchAll();
  }

  void map(String domain, long iova, long gpa, long size, boolean read, boolean write) {
    requireUsableGpa(gpa, size);
    vcpus.run(() -> driver.map(domain, iova, gpa, size, read, write));
    intent.map(domain, iova, gpa, size, read || firstStage(domain), write);
    oracle.touch(iova, size);
  }

  long unmap(String domain, long iova, long size) {
    long unmapped = vcpus.run(() -> driver.unmap(domain, iova, size));
    long cleared = Math.max(size, unmapped);
    intent.unmap(domain, iova, cleared);
    oracle.touch(iova, cleared);
    return unmapped;
  }

  long dmaMap(String device, long gpa, long size, Direction dir) {
    requireUsableGpa(gpa, size);
    long iova = vcpus.run(() -> driver.mapSingle(devices.sid(device), gpa, size, dir));
    long offset = gpa & Page.OFFSET_MASK;
    long bytes = pagesBytes(offset, size);
    String domain = dmaDomain(device);
    intent.map(domain, iova - offset, gpa - offset, bytes, dmaReadable(domain, dir), dir.deviceWrites());
    oracle.touch(iova - offset, bytes);
    return iova;
  }

  void dmaUnmap(String device, long iova, long size, Direction dir) {
    vcpus.run(() -> driver.unmapSingle(devices.sid(device), iova, size, dir));
    long offset = iova & Page.OFFSET_MASK;
    long bytes = pagesBytes(offset, size);
    String domain = dmaDomain(device);
    lazyUnmaps.record(domain, iova - offset, bytes);
    intent.unmap(domain, iova - offset, bytes);
    oracle.touch(iova - offset, bytes);
  }

  SgMapping dmaMapSg(String device, List<SgEntry> sg, Direction dir, DmaLimits limits) {
    SgLayout layout = SgLayout.of(sg, preset.dmaIommu(), limits);
    for (int i = 0; i < sg.size(); i++) {
      requireUsableGpa(sg.get(i).gpa(), sg.get(i).length());
      requireUsableGpa(sg.get(i).gpa() & ~Page.OFFSET_MASK, layout.mappedBytes(i));
    }
    SgMapping m = vcpus.run(() -> driver.mapSg(devices.sid(device), sg, dir, limits));
    String domain = dmaDomain(device);
    boolean read = dmaReadable(domain, dir);
    for (SgMapping.Segment s : m.segments()) {
      intent.map(domain, s.mappedIova(), s.mappedGpa(), s.mappedBytes(), read, dir.deviceWrites());
    }
    oracle.touch(m.iova(), m.bytes());
    if (log.enabled()) {
      String text = SgLayoutText.of(m);
      log.emit(EventKinds.DMA_SG, "harness", text, Attrs.of("device", device, "iova", m.iova(), "size", m.bytes(),
          "segments", m.segments().size(), "dmaSegments", m.dmaSegments().size(), "layout", text));
    }
    return m;
  }

  void dmaUnmapSg(String device, SgMapping m, Direction dir) {
    vcpus.run(() -> driver.unmapSg(devices.sid(device), m, dir));
    String domain = dmaDomain(device);
    lazyUnmaps.record(domain, m.iova(), m.bytes());
    intent.unmap(domain, m.iova(), m.bytes());
    oracle.touch(m.iova(), m.bytes());
  }

  /**
   * The intent's domain of {@code device}'s DMA-API maps: the one it is attached to, else (never
   * attached, translation off) a domain of its own, "dma:" + the device id.
   */
  String dmaDomain(String device) {
    devices.config(device);
    String d = intent.domainOf(device);
    if (d == null) {
      d = "dma:" + device;
      intent.attach(device, d);
    }
    return d;
  }

  /**
   * The R permission of a DMA-API map in {@code domain}: the driver era's rule for the direction
   * ({@link DriverPreset#dmaMapReadable}), and always in a first-stage domain.
   */
  private boolean dmaReadable(String domain, Direction dir) {
    return preset.dmaMapReadable(dir, zeroLengthRead) || firstStage(domain);
  }

  /**
   * Whether {@code domain} translates first-stage: x86-64 paging has no write-only page (a present entry
   * is readable, R/W only adds write; Linux's DMA_FL_PTE_PRESENT is DMA_PTE_READ's bit), so every map
   * of a first-stage domain is readable.
   */
  private boolean firstStage(String domain) {
    return driver.domainStage(domain) == TranslationStage.FIRST;
  }

  private static long pagesBytes(long offset, long size) {
    return (offset + size + Page.OFFSET_MASK) & ~Page.OFFSET_MASK;
  }

  private void requireUsableGpa(long gpa, long size) {
    if (size <= 0) throw new IllegalArgumentException("size must be positive: " + size);
    if (!memory.isRam(gpa, size)) {
      throw new IllegalArgumentException(String.format("gpa range [0x%x, +0x%x) is not guest RAM %s", gpa, size, memory.regions()));
    }
    if (gpa < pool.end() && pool.base() < gpa + size) {
      throw new IllegalArgumentException(String.format(
          "gpa range [0x%x, +0x%x) overlaps the driver's table pool [0x%x, 0x%x); use guest RAM below 0x%x",
          gpa, size, pool.base(), pool.end(), pool.base()));
    }
  }
}
