package io.vtdsim.harness.testbed;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DmaLimits;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.IntelIommuDriver;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.SgMapping;
import io.vtdsim.driver.dma.SgLayout;
import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.machine.EmulatedMachine;
import io.vtdsim.harness.machine.MachineUnderTest;
import io.vtdsim.harness.machine.Machines;
import io.vtdsim.harness.oracle.HostView;
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.MachineView;
import io.vtdsim.harness.oracle.MappedRange;
import io.vtdsim.harness.oracle.MappingOracle;
import io.vtdsim.harness.oracle.NestedHostView;
import io.vtdsim.harness.oracle.ReferenceWalker;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.report.EventKinds;
import io.vtdsim.harness.report.EventText;
import io.vtdsim.harness.report.ProtocolTrace;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One machine under test, wired from a {@link TestBedConfig}: clock, event log, the {@link
 * MachineUnderTest machine} of the configured backend (the model's {@link EmulatedMachine}, or real
 * QEMU) with its guest memory, MMIO bus, host containers and devices, the Linux-like guest driver on
 * that memory and bus (its table pool at the top of low RAM; fault MSIs delivered to its interrupt
 * handler) and the {@link MappingOracle} reading the machine's {@link MachineView}.
 *
 * <p>The action methods ({@link #map}, {@link #dmaMap}, {@link #attach} ...) call the driver and keep
 * the oracle's {@link IntentModel intent} in step with what was asked for — once the driver has
 * accepted the call, so a rejected call changes nothing there; {@link #check()} then says
 * whether every assigned device's host mappings are exactly right. {@link #driver()} is there for
 * anything else, but calls made directly on it are not part of the intent.
 *
 * <pre>{@code
 * try (TestBed bed = TestBed.builder().shadowSync("psi-only").assigned("nic", "00:03.0").build()) {
 *   bed.boot();
 *   bed.attach("nic", "d1");
 *   bed.map("d1", 0x100000, 0x2000000, 0x200000, true, true);
 *   assertThat(bed.check()).isEmpty();
 * }
 * }</pre>
 */
public final class TestBed implements AutoCloseable {
  /** Largest table pool the TestBed gives the driver (at the top of the low RAM region). */
  public static final long MAX_TABLE_POOL = 64L << 20;
  /**
   * Smallest guest RAM a TestBed accepts: the driver's table pool is a quarter of it (256 KiB, 64
   * pages), enough for boot and mappings; a 128 KiB machine runs out of table pages at its first map.
   */
  public static final long MIN_RAM = 1L << 20;

  private final TestBedConfig config;
  private final Clock clock = new Clock();
  private final EventLog log;
  /** Driver calls so far and the last one's text, for naming a check's violations. */
  private int driverCalls;
  private Event lastDriverCall;
  private final MachineUnderTest machine;
  private final GuestMemory memory;
  private final VtdConfig vtdConfig;
  private final IntelIommuDriver driver;
  private final DriverConfig driverConfig;
  private final Map<String, DeviceConfig> deviceConfigs = new LinkedHashMap<>();
  private final IntentModel intent = new IntentModel();
  private final Counters counters;
  private final MappingOracle oracle;
  private final DmaCheck dmaCheck;
  private final LazyUnmaps lazyUnmaps = new LazyUnmaps();
  private final Vcpus vcpus;
  private final long poolBase;
  private final long poolSize;

  TestBed(TestBedConfig config) {
    this.config = config;
    this.log = new EventLog(clock, config.eventRetention());
    this.counters = Counters.subscribedTo(log);
    log.subscribeIntake(e -> {
      if (e.kind().equals(EventKinds.DRIVER_CALL)) {
        driverCalls++;
        lastDriverCall = e; // its text is built only when a check names it
      }
    });
    if (config.ramBytes() < MIN_RAM) {
      throw new IllegalArgumentException(String.format("guest RAM of %d bytes is below the minimum of %d (1 MiB)",
          config.ramBytes(), MIN_RAM));
    }
    List<SourceId> sids = new ArrayList<>();
    for (DeviceConfig d : config.devices()) {
      if (deviceConfigs.putIfAbsent(d.id(), d) != null) throw new IllegalArgumentException("duplicate device id " + d.id());
      if (sids.contains(d.bdf())) throw new IllegalArgumentException("device " + d.id() + ": bdf " + d.bdf() + " is used twice");
      sids.add(d.bdf());
    }
    this.vcpus = new Vcpus(config.vcpus(), this::takeInterrupt);
    this.machine = Machines.create(config, log, vcpus::post);
    try {
      this.memory = machine.memory();
      this.vtdConfig = machine instanceof EmulatedMachine e ? e.vtdConfig() : config.vtdConfig();
      RamRegion pool = tablePool(memory);
      this.poolSize = pool.size();
      this.poolBase = pool.base();
      this.oracle = new MappingOracle(memory, machine.view(), intent, log);
      for (Map.Entry<String, HostContainer> h : machine.hosts().entrySet()) {
        var hwpt = machine.nestedHwpts().get(h.getKey());
        var sid = deviceConfigs.get(h.getKey()).bdf();
        if (hwpt != null) oracle.addNestedDevice(h.getKey(), sid, NestedHostView.of(hwpt), h.getValue().name());
        else oracle.addDevice(h.getKey(), sid, HostView.of(h.getValue()), h.getValue().name());
      }
      this.dmaCheck = new DmaCheck(memory);
      this.driverConfig = DriverConfig.of(config.driverPreset())
          .withFlush(config.flush())
          .withDmaMode(config.dmaMode())
          .withMmioBase(vtdConfig.mmioBase())
          .withTablePool(poolBase, poolSize)
          .withGroups(groups(config))
          .withWaitBound(config.waitBound());
      this.driver = new IntelIommuDriver(machine.bus(), memory, clock, log, driverConfig);
      oracle.staleAllowance(this::queuedForLazyFlush);
    } catch (RuntimeException e) {
      machine.close();
      vcpus.close();
      throw e;
    }
  }

  /**
   * The guest RAM the driver allocates its own pages (tables, queue, status) from in {@code memory}:
   * the top quarter of the low RAM region, at most {@link #MAX_TABLE_POOL}, so scenario buffers
   * below it never collide with the driver's tables. Scenario GPAs must avoid it. {@code memory}
   * needs at least {@link #MIN_RAM} in its low region.
   */
  public static RamRegion tablePool(GuestMemory memory) {
    RamRegion low = memory.regions().get(0);
    long size = Math.min(MAX_TABLE_POOL, (low.size() / 4) & ~Page.OFFSET_MASK);
    if (size == 0) throw new IllegalArgumentException("low RAM " + low + " has no room for a table pool");
    return new RamRegion(low.end() - size, size);
  }

  public static TestBedBuilder builder() {
    return new TestBedBuilder();
  }

  /** The machine, driver and devices a scenario describes (its steps are not run). */
  public static TestBed fromScenario(Scenario s) {
    return TestBedBuilder.from(s).build();
  }

  /** As {@link #fromScenario(Scenario)}, keeping at most {@code eventRetention} events in memory. */
  public static TestBed fromScenario(Scenario s, int eventRetention) {
    return TestBedBuilder.from(s).eventRetention(eventRetention).build();
  }

  /** The fault event's handler, on the vCPU that takes it ({@link Vcpus}). */
  private void takeInterrupt(long address, int data) {
    IntelIommuDriver d = driver;
    if (d != null) d.onInterrupt(address, data);
  }

  // ---- actions (driver calls that keep the intent in step) ----

  /** The driver initializes the unit and enables translation. */
  public void boot() {
    vcpus.run(() -> driver.boot(new ArrayList<>(sids())));
    // Linux attaches every device to its default DMA domain at boot (Linux intel_iommu_init probes devices before TE); the intent
    // follows, under the driver's name for that domain, with nothing mapped in it yet
    for (DeviceConfig d : deviceConfigs.values()) {
      driver.domainOf(d.bdf()).ifPresent(name -> intent.attach(d.id(), name));
    }
    oracle.touchAll();
  }

  /** Attaches the device's IOMMU group (the device alone without one) to {@code domain}. */
  public void attach(String device, String domain) {
    vcpus.run(() -> driver.attach(sid(device), domain));
    for (String member : groupOf(device)) intent.attach(member, domain);
    oracle.touchAll();
  }

  /** Detaches the device's IOMMU group (the device alone without one). */
  public void detach(String device) {
    vcpus.run(() -> driver.detach(sid(device)));
    for (String member : groupOf(device)) {
      if (driver.domainOf(sid(member)).isEmpty()) intent.detach(member);
    }
    oracle.touchAll();
  }

  /** The guest shuts down: the driver turns translation off where its era does (intel_iommu_shutdown, ≥5.1). */
  public void shutdown() {
    vcpus.run(driver::shutdown);
    oracle.touchAll();
  }

  /**
   * IOMMU API: maps [iova, iova+size) of {@code domain} to {@code gpa}. The intent changes only when
   * the driver accepted the call: a rejected call (unaligned, beyond the address width, over an
   * existing mapping) leaves it as it was.
   */
  public void map(String domain, long iova, long gpa, long size, boolean read, boolean write) {
    requireUsableGpa(gpa, size);
    vcpus.run(() -> driver.map(domain, iova, gpa, size, read, write));
    intent.map(domain, iova, gpa, size, read || firstStage(domain), write);
    oracle.touch(iova, size);
  }

  /**
   * IOMMU API: unmaps [iova, iova+size) of {@code domain}. As Linux's iommu_unmap, a superpage is
   * unmapped whole even when the request covers only part of it, and the call returns the bytes
   * unmapped; the intent follows what the API reports it did.
   *
   * @return the bytes unmapped
   */
  public long unmap(String domain, long iova, long size) {
    long unmapped = vcpus.run(() -> driver.unmap(domain, iova, size));
    long cleared = Math.max(size, unmapped);
    intent.unmap(domain, iova, cleared);
    oracle.touch(iova, cleared);
    return unmapped;
  }

  /**
   * DMA API: maps the guest buffer [gpa, gpa+size) for {@code device}; returns the IOVA the device
   * uses. The intent gets the buffer's pages with the permissions Linux derives from the direction
   * (TO_DEVICE → R, FROM_DEVICE → W, BIDIRECTIONAL → RW; eras whose preset says {@link
   * io.vtdsim.driver.DriverPreset#writeOnlyMapsReadable() writeOnlyMapsReadable} add R to write-only
   * maps when CAP.ZLR=0 — Linux ≤5.10 intel-iommu.c __intel_map_single; a first-stage domain's maps
   * are all readable, x86-64 paging having no write-only page).
   */
  public long dmaMap(String device, long gpa, long size, Direction dir) {
    requireUsableGpa(gpa, size);
    long iova = vcpus.run(() -> driver.mapSingle(sid(device), gpa, size, dir));
    long offset = gpa & Page.OFFSET_MASK;
    long bytes = pagesBytes(offset, size);
    boolean read = dir.deviceReads() || (dir == Direction.FROM_DEVICE && zlrAddsRead())
        || firstStage(dmaDomain(device));
    intent.map(dmaDomain(device), iova - offset, gpa - offset, bytes, read, dir.deviceWrites());
    oracle.touch(iova - offset, bytes);
    return iova;
  }

  /** DMA API: unmaps what {@link #dmaMap} returned; a call the driver rejects leaves the intent as it was. */
  public void dmaUnmap(String device, long iova, long size, Direction dir) {
    vcpus.run(() -> driver.unmapSingle(sid(device), iova, size, dir));
    long offset = iova & Page.OFFSET_MASK;
    long bytes = pagesBytes(offset, size);
    lazyUnmaps.record(dmaDomain(device), iova - offset, bytes);
    intent.unmap(dmaDomain(device), iova - offset, bytes);
    oracle.touch(iova - offset, bytes);
  }

  /** DMA API: {@link #dmaMapSg(String, List, Direction, DmaLimits)} for a device with PCI's default limits. */
  public SgMapping dmaMapSg(String device, List<SgEntry> sg, Direction dir) {
    return dmaMapSg(device, sg, dir, DmaLimits.PCI_DEFAULT);
  }

  /**
   * DMA API: dma_map_sg of the scatter list {@code sg} for {@code device}, whose driver set {@code limits}.
   * The intent gets, per segment, its pages and — from 5.11 — the padding to a segment boundary that
   * dma-iommu.c maps after it, from the segment's first guest page on ({@link SgLayout}); permissions as
   * {@link #dmaMap}. A {@code harness.dma-sg} event tells the layout the driver returned.
   */
  public SgMapping dmaMapSg(String device, List<SgEntry> sg, Direction dir, DmaLimits limits) {
    SgLayout layout = SgLayout.of(sg, driverConfig.preset().dmaIommu(), limits);
    for (int i = 0; i < sg.size(); i++) {
      requireUsableGpa(sg.get(i).gpa(), sg.get(i).length());
      requireUsableGpa(sg.get(i).gpa() & ~Page.OFFSET_MASK, layout.mappedBytes(i));
    }
    SgMapping m = vcpus.run(() -> driver.mapSg(sid(device), sg, dir, limits));
    String domain = dmaDomain(device);
    boolean read = dir.deviceReads() || (dir == Direction.FROM_DEVICE && zlrAddsRead()) || firstStage(domain);
    for (SgMapping.Segment s : m.segments()) {
      intent.map(domain, s.mappedIova(), s.mappedGpa(), s.mappedBytes(), read, dir.deviceWrites());
    }
    oracle.touch(m.iova(), m.bytes());
    if (log.enabled()) {
      String text = sgLayout(m);
      log.emit(EventKinds.DMA_SG, "harness", text, Attrs.of("device", device, "iova", m.iova(), "size", m.bytes(),
          "segments", m.segments().size(), "dmaSegments", m.dmaSegments().size(), "layout", text));
    }
    return m;
  }

  /** Segments and DMA segments listed in a {@code harness.dma-sg} text; the rest are counted. */
  static final int SG_LISTED = 8;

  /**
   * "IOVA [0xfffe0000, +120KiB): segment 0 at 0xfffe0000 (+52KiB padding), segment 1 at 0xffff0000;
   * 2 DMA segments: 0xfffe0000 +12KiB, 0xffff0000 +56KiB".
   */
  static String sgLayout(SgMapping m) {
    StringBuilder sb = new StringBuilder("IOVA [").append(Units.hex(m.iova())).append(", +")
        .append(Units.formatSize(m.bytes())).append("):");
    List<SgMapping.Segment> segs = m.segments();
    for (int i = 0; i < Math.min(SG_LISTED, segs.size()); i++) {
      SgMapping.Segment s = segs.get(i);
      long pages = ((s.gpa() & Page.OFFSET_MASK) + s.size() + Page.OFFSET_MASK) & ~Page.OFFSET_MASK;
      sb.append(i == 0 ? " " : ", ").append("segment ").append(i).append(" at ").append(Units.hex(s.iova()));
      if (s.mappedBytes() > pages) sb.append(" (+").append(Units.formatSize(s.mappedBytes() - pages)).append(" padding)");
    }
    if (segs.size() > SG_LISTED) sb.append(", ... ").append(segs.size() - SG_LISTED).append(" more");
    List<SgMapping.DmaSegment> dma = m.dmaSegments();
    sb.append("; ").append(dma.size()).append(" DMA segment").append(dma.size() == 1 ? "" : "s").append(':');
    for (int i = 0; i < Math.min(SG_LISTED, dma.size()); i++) {
      sb.append(i == 0 ? " " : ", ").append(Units.hex(dma.get(i).address())).append(" +")
          .append(Units.formatSize(dma.get(i).length()));
    }
    if (dma.size() > SG_LISTED) sb.append(", ... ").append(dma.size() - SG_LISTED).append(" more");
    return sb.toString();
  }

  /** DMA API: dma_unmap_sg of what {@link #dmaMapSg} returned: the list's whole IOVA range. */
  public void dmaUnmapSg(String device, SgMapping m, Direction dir) {
    vcpus.run(() -> driver.unmapSg(sid(device), m, dir));
    lazyUnmaps.record(dmaDomain(device), m.iova(), m.bytes());
    intent.unmap(dmaDomain(device), m.iova(), m.bytes());
    oracle.touch(m.iova(), m.bytes());
  }

  /** Lets simulated time pass; timers (the lazy flush queue) fire. */
  public void advance(long nanos) {
    vcpus.run(() -> clock.advance(nanos)); // the timers (flush queue) run on a vCPU
  }

  /**
   * The device writes ({@code write}) or reads {@code len} bytes at {@code iova} and the outcome is
   * checked: a fault against {@code expectOk} is unexpected-fault / unexpected-success; a write must
   * land at the intended guest-physical bytes, a read must return them (a pattern planted there),
   * else dma-mismatch. Violations carry step -1 (the runner attributes them).
   */
  public List<Violation> dma(String device, long iova, boolean write, int len, boolean expectOk) {
    if (len <= 0) throw new IllegalArgumentException("DMA length must be positive: " + len);
    DmaDevice dev = device(device);
    try {
      return dmaCheck.run(dev, device, iova, write, len, expectOk, intendedPieces(device, iova, len),
          machine.movesData(device));
    } finally {
      vcpus.interrupts(); // a fault event raised by the DMA
    }
  }

  /**
   * Full oracle check now (every assigned device, whole address spaces). Violations name the driver
   * call they follow: step = that call's 0-based index among the bed's driver calls, text = "check
   * after map domain=d1 iova=0x200000 ..." (step -1, "check" before any call).
   */
  public List<Violation> check() {
    return oracle.check(driverCalls - 1, checkText(), true);
  }

  /** Incremental oracle check: only what changed since the last check; violations named as {@link #check}. */
  public List<Violation> checkIncremental() {
    return oracle.check(driverCalls - 1, checkText(), false);
  }

  private String checkText() {
    return lastDriverCall == null ? "check" : "check after " + lastDriverCall.text();
  }

  // ---- helpers ----

  /** The ids of the devices in {@code device}'s IOMMU group, itself included (itself alone without a group). */
  private List<String> groupOf(String device) {
    sid(device);
    String g = deviceConfigs.get(device).group();
    if (g == null) return List.of(device);
    return deviceConfigs.values().stream().filter(d -> g.equals(d.group())).map(DeviceConfig::id).toList();
  }

  private static Map<SourceId, String> groups(TestBedConfig config) {
    Map<SourceId, String> out = new HashMap<>();
    for (DeviceConfig d : config.devices()) {
      if (d.group() != null) out.put(d.bdf(), d.group());
    }
    return out;
  }



  /**
   * Whether {@code domain} translates first-stage: x86-64 paging has no write-only page (a present entry
   * is readable, R/W only adds write; Linux's DMA_FL_PTE_PRESENT is DMA_PTE_READ's bit), so every map
   * of a first-stage domain is readable.
   */
  private boolean firstStage(String domain) {
    return driver.domainStage(domain) == io.vtdsim.driver.domain.TranslationStage.FIRST;
  }

  private boolean zlrAddsRead() {
    return driverConfig.preset().writeOnlyMapsReadable() && !vtdConfig.cap().zlr();
  }

  private String dmaDomain(String device) {
    sid(device);
    String d = intent.domainOf(device);
    if (d == null) {
      d = "dma:" + device;
      intent.attach(device, d);
    }
    return d;
  }

  private static long pagesBytes(long offset, long size) {
    return ((offset + size + Page.OFFSET_MASK) & ~Page.OFFSET_MASK);
  }

  /** Lazy mode: whether [iova, iova+size) is a DMA-API unmap still waiting in the driver's flush queue. */
  public boolean queuedForLazyFlush(String device, long iova, long size) {
    return lazyUnmaps.queued(dmaDomain(device), driver.pendingLazyIovas(), iova, size);
  }

  /** The intended guest-physical pieces of [iova, iova+len): identity when translation is off or pass-through. */
  private List<DmaCheck.Piece> intendedPieces(String device, long iova, int len) {
    List<DmaCheck.Piece> out = new ArrayList<>();
    if (identityFor(device)) {
      out.add(new DmaCheck.Piece(iova, iova, len));
      return out;
    }
    long x = iova;
    long end = iova + len;
    while (x < end) {
      Optional<MappedRange> m = intent.translate(device, x);
      if (m.isEmpty()) break;
      long n = Math.min(end, m.get().end()) - x;
      out.add(new DmaCheck.Piece(x, m.get().gpa() + (x - m.get().iova()), n));
      x += n;
    }
    return out;
  }

  private boolean identityFor(String device) {
    MachineView view = machine.view();
    if (!view.translationEnabled()) return true;
    var ctx = oracle.walker().context(view.rootTableAddress(), sid(device).sid());
    return ctx.kind() == ReferenceWalker.ContextKind.PASS_THROUGH;
  }

  private void requireUsableGpa(long gpa, long size) {
    if (size <= 0) throw new IllegalArgumentException("size must be positive: " + size);
    if (!memory.isRam(gpa, size)) {
      throw new IllegalArgumentException(String.format("gpa range [0x%x, +0x%x) is not guest RAM %s", gpa, size, memory.regions()));
    }
    if (gpa < poolBase + poolSize && poolBase < gpa + size) {
      throw new IllegalArgumentException(String.format(
          "gpa range [0x%x, +0x%x) overlaps the driver's table pool [0x%x, 0x%x); use guest RAM below 0x%x",
          gpa, size, poolBase, poolBase + poolSize, poolBase));
    }
  }

  // ---- accessors ----

  public TestBedConfig config() {
    return config;
  }

  public Clock clock() {
    return clock;
  }

  public EventLog log() {
    return log;
  }

  public GuestMemory memory() {
    return memory;
  }

  public MmioBus bus() {
    return machine.bus();
  }

  /** The machine the driver runs on. */
  public MachineUnderTest machine() {
    return machine;
  }

  public Backend backend() {
    return machine.backend();
  }

  /** The emulated VT-d unit (model backend only). */
  public VtdUnit unit() {
    return emulated("unit").unit();
  }

  /** The VT-d configuration the machine was asked for (on the model: the unit's). */
  public VtdConfig vtdConfig() {
    return vtdConfig;
  }

  /** The model's caching-mode shadow (model backend only). */
  public CachingModeShadow shadow() {
    return emulated("shadow").shadow();
  }

  private EmulatedMachine emulated(String what) {
    if (machine instanceof EmulatedMachine e) return e;
    throw new IllegalStateException("the " + machine.backend() + " backend has no emulated " + what);
  }

  public IntelIommuDriver driver() {
    return driver;
  }

  public DriverConfig driverConfig() {
    return driverConfig;
  }

  public MappingOracle oracle() {
    return oracle;
  }

  public IntentModel intent() {
    return intent;
  }

  /** The fixed cost counters, fed by this machine's event log since it was built. */
  public Counters counters() {
    return counters;
  }

  /** [base, base+size) of guest RAM the driver allocates its tables from; scenario GPAs must avoid it. */
  public long tablePoolBase() {
    return poolBase;
  }

  public long tablePoolSize() {
    return poolSize;
  }

  public List<String> deviceIds() {
    return List.copyOf(deviceConfigs.keySet());
  }

  public DeviceConfig deviceConfig(String id) {
    DeviceConfig d = deviceConfigs.get(id);
    if (d == null) throw new IllegalArgumentException("unknown device '" + id + "'; known: " + deviceConfigs.keySet());
    return d;
  }

  public SourceId sid(String device) {
    return deviceConfig(device).bdf();
  }

  public DmaDevice device(String id) {
    deviceConfig(id);
    return machine.device(id);
  }

  /** The host container of an assigned device. */
  public HostContainer host(String id) {
    HostContainer c = machine.hosts().get(id);
    if (c == null) {
      throw new IllegalArgumentException("device '" + id + "' is not an assigned device; assigned: "
          + machine.hosts().keySet());
    }
    return c;
  }

  public Map<String, HostContainer> hosts() {
    return machine.hosts();
  }

  private List<SourceId> sids() {
    return deviceConfigs.values().stream().map(DeviceConfig::bdf).collect(Collectors.toList());
  }

  /**
   * The protocol trace of what happened so far (the retained events), in the format of {@code run
   * --trace}: sequence number, simulated time, source, decoded text.
   */
  public String trace() {
    return new ProtocolTrace(new EventText(vtdConfig)).render("TestBed trace", log.events());
  }

  @Override
  public void close() {
    try {
      machine.close();
    } finally {
      vcpus.close();
    }
  }
}
