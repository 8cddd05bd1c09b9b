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
import io.vtdsim.emu.platform.Clock;
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
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.MappingOracle;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.report.EventText;
import io.vtdsim.harness.report.ProtocolTrace;
import io.vtdsim.harness.scenario.Scenario;
import java.util.List;
import java.util.Map;

/**
 * One machine under test, wired from a {@link TestBedConfig} ({@link TestBedAssembly}): clock, event
 * log, the {@link MachineUnderTest machine} of the configured backend (the model's {@link
 * EmulatedMachine}, or real QEMU) with its guest memory, MMIO bus, host containers and devices, the
 * Linux-like guest driver on that memory and bus (its table pool at the top of low RAM; fault MSIs
 * delivered to its interrupt handler) and the {@link MappingOracle} reading the machine's {@link
 * io.vtdsim.harness.oracle.MachineView MachineView}. The facade of the test API; each job is a part:
 * the actions ({@link IntentActions}), the DMA verdict ({@link DmaCheck}), lazy mode's stale windows
 * ({@link LazyUnmaps}).
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
  private final TestBedAssembly parts;
  private final LazyUnmaps lazyUnmaps = new LazyUnmaps();
  private final IntentActions actions;
  private final DmaCheck dmaCheck;

  TestBed(TestBedConfig config) {
    this.config = config;
    this.parts = new TestBedAssembly(config);
    try {
      this.actions = new IntentActions(parts, lazyUnmaps);
      this.dmaCheck = new DmaCheck(parts.memory, parts.intent, parts.machine.view(), parts.oracle.walker());
      parts.oracle.staleAllowance(this::queuedForLazyFlush);
    } catch (RuntimeException e) {
      parts.close();
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

  // ---- actions (driver calls that keep the intent in step: IntentActions) ----

  /** The driver initializes the unit and enables translation; each device's default domain joins the intent. */
  public void boot() {
    actions.boot();
  }

  /** Attaches the device's IOMMU group (the device alone without one) to {@code domain}. */
  public void attach(String device, String domain) {
    actions.attach(device, domain);
  }

  /** Detaches the device's IOMMU group (the device alone without one). */
  public void detach(String device) {
    actions.detach(device);
  }

  /** The guest shuts down: the driver turns translation off where its era does (intel_iommu_shutdown, ≥5.1). */
  public void shutdown() {
    actions.shutdown();
  }

  /**
   * IOMMU API: maps [iova, iova+size) of {@code domain} to {@code gpa}. The intent changes only when
   * the driver accepted the call: a rejected call (unaligned, beyond the address width, over an
   * existing mapping) leaves it as it was.
   */
  public void map(String domain, long iova, long gpa, long size, boolean read, boolean write) {
    actions.map(domain, iova, gpa, size, read, write);
  }

  /**
   * IOMMU API: unmaps [iova, iova+size) of {@code domain}. As Linux's iommu_unmap, a superpage is
   * unmapped whole even when the request covers only part of it, and the call returns the bytes
   * unmapped; the intent follows what the API reports it did.
   *
   * @return the bytes unmapped
   */
  public long unmap(String domain, long iova, long size) {
    return actions.unmap(domain, iova, size);
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
    return actions.dmaMap(device, gpa, size, dir);
  }

  /** DMA API: unmaps what {@link #dmaMap} returned; a call the driver rejects leaves the intent as it was. */
  public void dmaUnmap(String device, long iova, long size, Direction dir) {
    actions.dmaUnmap(device, iova, size, dir);
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
    return actions.dmaMapSg(device, sg, dir, limits);
  }

  /** DMA API: dma_unmap_sg of what {@link #dmaMapSg} returned: the list's whole IOVA range. */
  public void dmaUnmapSg(String device, SgMapping m, Direction dir) {
    actions.dmaUnmapSg(device, m, dir);
  }

  /** Lets simulated time pass; timers (the lazy flush queue) fire. */
  public void advance(long nanos) {
    parts.vcpus.run(() -> parts.clock.advance(nanos)); // the timers (flush queue) run on a vCPU
  }

  /** Lazy mode: whether [iova, iova+size) is a DMA-API unmap still waiting in the driver's flush queue. */
  public boolean queuedForLazyFlush(String device, long iova, long size) {
    return lazyUnmaps.queued(actions.dmaDomain(device), parts.driver.pendingLazyIovas(), iova, size);
  }

  // ---- checks ----

  /**
   * The device writes ({@code write}) or reads {@code len} bytes at {@code iova} and the outcome is
   * checked ({@link DmaCheck}): a fault against {@code expectOk} is unexpected-fault /
   * unexpected-success; a write must land at the intended guest-physical bytes, a read must return
   * them (a pattern planted there), else dma-mismatch. Violations carry step -1 (the runner
   * attributes them).
   */
  public List<Violation> dma(String device, long iova, boolean write, int len, boolean expectOk) {
    if (len <= 0) throw new IllegalArgumentException("DMA length must be positive: " + len);
    DmaDevice dev = device(device);
    try {
      return dmaCheck.dma(dev, device, iova, write, len, expectOk, parts.machine.movesData(device));
    } finally {
      parts.vcpus.interrupts(); // a fault event raised by the DMA
    }
  }

  /**
   * Full oracle check now (every assigned device, whole address spaces). Violations name the driver
   * call they follow: step = that call's 0-based index among the bed's driver calls, text = "check
   * after map domain=d1 iova=0x200000 ..." (step -1, "check" before any call).
   */
  public List<Violation> check() {
    return parts.oracle.check(parts.driverCalls.lastIndex(), parts.driverCalls.checkText(), true);
  }

  /** Incremental oracle check: only what changed since the last check; violations named as {@link #check}. */
  public List<Violation> checkIncremental() {
    return parts.oracle.check(parts.driverCalls.lastIndex(), parts.driverCalls.checkText(), false);
  }

  // ---- accessors ----

  public TestBedConfig config() {
    return config;
  }

  public Clock clock() {
    return parts.clock;
  }

  public EventLog log() {
    return parts.log;
  }

  public GuestMemory memory() {
    return parts.memory;
  }

  public MmioBus bus() {
    return parts.machine.bus();
  }

  /** The machine the driver runs on. */
  public MachineUnderTest machine() {
    return parts.machine;
  }

  public Backend backend() {
    return parts.machine.backend();
  }

  /** The emulated VT-d unit (model backend only). */
  public VtdUnit unit() {
    return emulated("unit").unit();
  }

  /** The VT-d configuration the machine was asked for (on the model: the unit's). */
  public VtdConfig vtdConfig() {
    return parts.vtdConfig;
  }

  /** The model's caching-mode shadow (model backend only). */
  public CachingModeShadow shadow() {
    return emulated("shadow").shadow();
  }

  private EmulatedMachine emulated(String what) {
    if (parts.machine instanceof EmulatedMachine e) return e;
    throw new IllegalStateException("the " + parts.machine.backend() + " backend has no emulated " + what);
  }

  public IntelIommuDriver driver() {
    return parts.driver;
  }

  public DriverConfig driverConfig() {
    return parts.driverConfig;
  }

  public MappingOracle oracle() {
    return parts.oracle;
  }

  public IntentModel intent() {
    return parts.intent;
  }

  /** The fixed cost counters, fed by this machine's event log since it was built. */
  public Counters counters() {
    return parts.counters;
  }

  /** [base, base+size) of guest RAM the driver allocates its tables from; scenario GPAs must avoid it. */
  public long tablePoolBase() {
    return parts.pool.base();
  }

  public long tablePoolSize() {
    return parts.pool.size();
  }

  public List<String> deviceIds() {
    return parts.devices.ids();
  }

  public DeviceConfig deviceConfig(String id) {
    return parts.devices.config(id);
  }

  public SourceId sid(String device) {
    return parts.devices.sid(device);
  }

  public DmaDevice device(String id) {
    deviceConfig(id);
    return parts.machine.device(id);
  }

  /** The host container of an assigned device. */
  public HostContainer host(String id) {
    HostContainer c = parts.machine.hosts().get(id);
    if (c == null) {
      throw new IllegalArgumentException("device '" + id + "' is not an assigned device; assigned: "
          + parts.machine.hosts().keySet());
    }
    return c;
  }

  public Map<String, HostContainer> hosts() {
    return parts.machine.hosts();
  }

  /**
   * The protocol trace of what happened so far (the retained events), in the format of {@code run
   * --trace}: sequence number, simulated time, source, decoded text.
   */
  public String trace() {
    return new ProtocolTrace(new EventText(parts.vtdConfig)).render("TestBed trace", parts.log.events());
  }

  @Override
  public void close() {
    parts.close();
  }
}
