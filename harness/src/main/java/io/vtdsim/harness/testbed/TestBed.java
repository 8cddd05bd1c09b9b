package io.vtdsim.harness.testbed;

import io.vtdsim.driver.DmaMode;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.Direction;
import io.vtdsim.driver.FlushPolicyName;
import io.vtdsim.driver.IntelIommuDriver;
import io.vtdsim.emu.device.AssignedDevice;
import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.device.EmulatedDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.shadow.ShadowSync;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.harness.oracle.HostView;
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.MachineView;
import io.vtdsim.harness.oracle.MappedRange;
import io.vtdsim.harness.oracle.MappingOracle;
import io.vtdsim.harness.oracle.ReferenceWalker;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.scenario.Scenario;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One simulated machine, wired from a {@link TestBedConfig}: clock, event log, guest memory (q35
 * layout), MMIO bus, the VT-d unit mapped at its base, the caching-mode shadow with one host
 * container per assigned device, the devices, the Linux-like guest driver (its table pool at the top
 * of low RAM; fault MSIs delivered to its interrupt handler) and the {@link MappingOracle}.
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
  private final GuestMemory memory;
  private final MmioBus bus;
  private final VtdConfig vtdConfig;
  private final VtdUnit unit;
  private final CachingModeShadow shadow;
  private final IntelIommuDriver driver;
  private final DriverConfig driverConfig;
  private final Map<String, DeviceConfig> deviceConfigs = new LinkedHashMap<>();
  private final Map<String, DmaDevice> devices = new LinkedHashMap<>();
  private final Map<String, HostContainer> hosts = new LinkedHashMap<>();
  private final IntentModel intent = new IntentModel();
  private final Counters counters;
  private final MappingOracle oracle;
  private final long poolBase;
  private final long poolSize;
  private long dmaSerial;
  /** First IOVA → bytes of each DMA-API unmap (to size the driver's pending lazy IOVAs). */
  /** Per domain: DMA-API unmaps by first IOVA → bytes (two domains may hand out the same IOVA). */
  private final Map<String, Map<Long, Long>> lazyUnmapped = new HashMap<>();

  TestBed(TestBedConfig config) {
    this.config = config;
    this.log = new EventLog(clock, config.eventRetention());
    this.counters = Counters.subscribedTo(log);
    if (config.ramBytes() < MIN_RAM) {
      throw new IllegalArgumentException(String.format("guest RAM of %d bytes is below the minimum of %d (1 MiB)",
          config.ramBytes(), MIN_RAM));
    }
    this.memory = GuestMemory.q35(config.ramBytes());
    this.bus = new MmioBus(log);
    this.vtdConfig = vtdConfig(config);
    this.unit = new VtdUnit(vtdConfig, memory, log, this::deliverMsi);
    bus.map(vtdConfig.mmioBase(), unit);
    this.shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named(config.shadowSync()));
    HostSemantics semantics = HostSemantics.parse(config.host());

    RamRegion pool = tablePool(memory);
    this.poolSize = pool.size();
    this.poolBase = pool.base();

    this.oracle = new MappingOracle(memory, MachineView.of(unit), intent, log);
    List<SourceId> sids = new ArrayList<>();
    for (DeviceConfig d : config.devices()) {
      if (deviceConfigs.putIfAbsent(d.id(), d) != null) throw new IllegalArgumentException("duplicate device id " + d.id());
      if (sids.contains(d.bdf())) throw new IllegalArgumentException("device " + d.id() + ": bdf " + d.bdf() + " is used twice");
      sids.add(d.bdf());
      if (d.assigned()) {
        HostContainer c = new HostContainer(d.id(), semantics, memory, log);
        hosts.put(d.id(), c);
        shadow.attach(d.bdf(), c);
        devices.put(d.id(), new AssignedDevice(d.id(), d.bdf(), c, memory, log));
        oracle.addDevice(d.id(), d.bdf(), HostView.of(c), c.name());
      } else {
        devices.put(d.id(), new EmulatedDevice(d.id(), d.bdf(), unit, memory, log));
      }
    }
    this.driverConfig = DriverConfig.of(DriverPreset.parse(config.driverPreset()))
        .withFlush(FlushPolicyName.parse(config.flush()))
        .withDmaMode(DmaMode.parse(config.dmaMode()))
        .withMmioBase(vtdConfig.mmioBase())
        .withTablePool(poolBase, poolSize)
        .withWaitBound(config.waitBound());
    this.driver = new IntelIommuDriver(bus, memory, clock, log, driverConfig);
    oracle.staleAllowance(this::queuedForLazyFlush);
  }

  /**
   * The guest RAM the driver allocates its own pages (tables, queue, status) from in {@code memory}:
   * the top quarter of the low RAM region, at most {@link #MAX_TABLE_POOL}, so scenario buffers
   * below it never collide with the driver's tables. Scenario GPAs must avoid it. {@code memory}
   * needs at least {@link #MIN_RAM} in its low region.
   */
  public static RamRegion tablePool(GuestMemory memory) {
    RamRegion low = memory.regions().get(0);
    long size = Math.min(MAX_TABLE_POOL, (low.size() / 4) & ~0xFFFL);
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

  private static VtdConfig vtdConfig(TestBedConfig c) {
    VtdConfig v = VtdConfig.preset(c.machinePreset(), c.awBits());
    var cap = v.cap();
    if (c.cachingMode() != null) cap = cap.withCm(c.cachingMode());
    if (c.psi() != null) cap = cap.withPsi(c.psi());
    if (c.mamv() != null) cap = cap.withMamv(c.mamv());
    if (c.superpages() != null) {
      int sllps = 0;
      for (String s : c.superpages()) {
        switch (s) {
          case "2M" -> sllps |= Capability.SLLPS_2M;
          case "1G" -> sllps |= Capability.SLLPS_1G;
          default -> throw new IllegalArgumentException("superpage size must be 2M or 1G, got " + s);
        }
      }
      cap = cap.withSllps(sllps);
    }
    v = v.withCap(cap);
    if (c.queuedInvalidation() != null) v = v.withEcap(v.ecap().withQi(c.queuedInvalidation()));
    if (c.negativeCaching() != null) v = v.withNegativeCaching(c.negativeCaching());
    return v;
  }

  private void deliverMsi(long address, int data) {
    IntelIommuDriver d = driver;
    if (d != null) d.onInterrupt(address, data);
  }

  // ---- actions (driver calls that keep the intent in step) ----

  /** The driver initializes the unit and enables translation. */
  public void boot() {
    driver.boot(new ArrayList<>(sids()));
    // Linux attaches every device to its default DMA domain at boot (Linux intel_iommu_init probes devices before TE); the intent
    // follows, under the driver's name for that domain, with nothing mapped in it yet
    for (DeviceConfig d : deviceConfigs.values()) {
      driver.domainOf(d.bdf()).ifPresent(name -> intent.attach(d.id(), name));
    }
    oracle.touchAll();
  }

  public void attach(String device, String domain) {
    driver.attach(sid(device), domain);
    intent.attach(device, domain);
    oracle.touchAll();
  }

  public void detach(String device) {
    driver.detach(sid(device));
    intent.detach(device);
    oracle.touchAll();
  }

  /**
   * IOMMU API: maps [iova, iova+size) of {@code domain} to {@code gpa}. The intent changes only when
   * the driver accepted the call: a rejected call (unaligned, beyond the address width, over an
   * existing mapping) leaves it as it was.
   */
  public void map(String domain, long iova, long gpa, long size, boolean read, boolean write) {
    requireUsableGpa(gpa, size);
    driver.map(domain, iova, gpa, size, read, write);
    intent.map(domain, iova, gpa, size, read, write);
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
    long unmapped = driver.unmap(domain, iova, size);
    long cleared = Math.max(size, unmapped);
    intent.unmap(domain, iova, cleared);
    oracle.touch(iova, cleared);
    return unmapped;
  }

  /**
   * DMA API: maps the guest buffer [gpa, gpa+size) for {@code device}; returns the IOVA the device
   * uses. The intent gets the buffer's pages with the permissions Linux derives from the direction
   * (TO_DEVICE → R, FROM_DEVICE → W, BIDIRECTIONAL → RW; ≤5.10 adds R to write-only maps when
   * CAP.ZLR=0 — Linux ≤5.10 intel-iommu.c __intel_map_single).
   */
  public long dmaMap(String device, long gpa, long size, Direction dir) {
    requireUsableGpa(gpa, size);
    long iova = driver.mapSingle(sid(device), gpa, size, dir);
    long offset = gpa & 0xFFF;
    long bytes = pagesBytes(offset, size);
    boolean read = dir.deviceReads() || (dir == Direction.FROM_DEVICE && zlrAddsRead());
    intent.map(dmaDomain(device), iova - offset, gpa - offset, bytes, read, dir.deviceWrites());
    oracle.touch(iova - offset, bytes);
    return iova;
  }

  /** DMA API: unmaps what {@link #dmaMap} returned; a call the driver rejects leaves the intent as it was. */
  public void dmaUnmap(String device, long iova, long size, Direction dir) {
    driver.unmapSingle(sid(device), iova, size, dir);
    long offset = iova & 0xFFF;
    long bytes = pagesBytes(offset, size);
    lazyUnmapped.computeIfAbsent(dmaDomain(device), k -> new HashMap<>()).put(iova - offset, bytes);
    intent.unmap(dmaDomain(device), iova - offset, bytes);
    oracle.touch(iova - offset, bytes);
  }

  /** Lets simulated time pass; timers (the lazy flush queue) fire. */
  public void advance(long nanos) {
    clock.advance(nanos);
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
    List<Violation> out = new ArrayList<>();
    byte[] pattern = pattern(++dmaSerial, len);
    List<long[]> pieces = intendedPieces(device, iova, len); // {iova, gpa, length}
    boolean fullyIntended = pieces.stream().mapToLong(p -> p[2]).sum() == len;
    if (!write && fullyIntended) {
      int off = 0;
      for (long[] p : pieces) {
        memory.write(p[1], pattern, off, (int) p[2]);
        off += (int) p[2];
      }
    }
    DmaResult r = write ? dev.write(iova, pattern) : dev.read(iova, len);
    String what = (write ? "write" : "read") + " of " + len + " B at iova 0x" + Long.toHexString(iova);
    if (!r.ok()) {
      if (expectOk) {
        out.add(new Violation(Violation.UNEXPECTED_FAULT, -1, "", device, iova, len,
            "expected the " + what + " to succeed; it faulted at 0x" + Long.toHexString(r.faultIova()) + ": " + r.detail()));
      }
      return out;
    }
    if (!expectOk) {
      out.add(new Violation(Violation.UNEXPECTED_SUCCESS, -1, "", device, iova, len,
          "expected the " + what + " to fault; it succeeded"));
      return out;
    }
    if (!fullyIntended) {
      out.add(new Violation(Violation.DMA_MISMATCH, -1, "", device, iova, len,
          "the " + what + " succeeded but the scenario mapped no target for all of it"));
      return out;
    }
    if (write) {
      int off = 0;
      for (long[] p : pieces) {
        byte[] found = memory.read(p[1], (int) p[2]);
        for (int i = 0; i < found.length; i++) {
          if (found[i] != pattern[off + i]) {
            out.add(new Violation(Violation.DMA_MISMATCH, -1, "", device, p[0] + i, p[2] - i, String.format(
                "expected the written pattern at gpa 0x%x (byte 0x%02x); guest memory has 0x%02x there",
                p[1] + i, pattern[off + i] & 0xFF, found[i] & 0xFF)));
            return out;
          }
        }
        off += (int) p[2];
      }
    } else {
      byte[] got = r.data();
      for (int i = 0; i < len; i++) {
        if (got == null || i >= got.length || got[i] != pattern[i]) {
          long gpa = gpaOf(pieces, i);
          out.add(new Violation(Violation.DMA_MISMATCH, -1, "", device, iova + i, len - i, String.format(
              "expected to read the pattern planted at gpa 0x%x (byte 0x%02x); the device read %s", gpa,
              pattern[i] & 0xFF, got == null || i >= got.length ? "nothing" : String.format("0x%02x", got[i] & 0xFF))));
          return out;
        }
      }
    }
    return out;
  }

  /** Full oracle check now (every assigned device, whole address spaces). */
  public List<Violation> check() {
    return oracle.check(-1, "check", true);
  }

  /** Incremental oracle check: only what changed since the last check. */
  public List<Violation> checkIncremental() {
    return oracle.check(-1, "check", false);
  }

  // ---- helpers ----

  private boolean zlrAddsRead() {
    DriverPreset p = driverConfig.preset();
    return (p == DriverPreset.LINUX_4_10 || p == DriverPreset.LINUX_5_10) && !vtdConfig.cap().zlr();
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
    return ((offset + size + 0xFFF) & ~0xFFFL);
  }

  /**
   * Lazy mode: true when every page of [iova, iova+size) belongs to a DMA-API unmap still waiting in
   * the driver's flush queue ({@code pendingLazyIovas()} gives each queued range's first IOVA; the
   * length is the one this TestBed unmapped there).
   */
  private boolean queuedForLazyFlush(String device, long iova, long size) {
    TreeMap<Long, Long> ranges = new TreeMap<>();
    Map<Long, Long> unmappedHere = lazyUnmapped.getOrDefault(dmaDomain(device), Map.of());
    for (long start : driver.pendingLazyIovas()) {
      long page = start & ~0xFFFL;
      Long bytes = unmappedHere.get(page);
      if (bytes != null) ranges.merge(page, bytes, Math::max); // else: another domain's queued unmap
    }
    long x = iova;
    long end = iova + size;
    while (x < end) {
      Map.Entry<Long, Long> r = ranges.floorEntry(x);
      if (r == null || r.getKey() + r.getValue() <= x) return false;
      x = r.getKey() + r.getValue();
    }
    return true;
  }

  /** The intended guest-physical pieces of [iova, iova+len): identity when translation is off or pass-through. */
  private List<long[]> intendedPieces(String device, long iova, int len) {
    List<long[]> out = new ArrayList<>();
    if (identityFor(device)) {
      out.add(new long[] {iova, iova, len});
      return out;
    }
    long x = iova;
    long end = iova + len;
    while (x < end) {
      Optional<MappedRange> m = intent.translate(device, x);
      if (m.isEmpty()) break;
      long n = Math.min(end, m.get().end()) - x;
      out.add(new long[] {x, m.get().gpa() + (x - m.get().iova()), n});
      x += n;
    }
    return out;
  }

  private boolean identityFor(String device) {
    if (!unit.translationEnabled()) return true;
    var ctx = oracle.walker().context(unit.rootTableAddress(), sid(device).sid());
    return ctx.kind() == ReferenceWalker.ContextKind.PASS_THROUGH;
  }

  private static long gpaOf(List<long[]> pieces, int offset) {
    long o = offset;
    for (long[] p : pieces) {
      if (o < p[2]) return p[1] + o;
      o -= p[2];
    }
    return -1;
  }

  /** A deterministic, per-DMA distinct byte pattern (xorshift over the DMA's serial number). */
  static byte[] pattern(long serial, int len) {
    byte[] b = new byte[len];
    long x = serial * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    for (int i = 0; i < len; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[i] = (byte) x;
    }
    return b;
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
    return bus;
  }

  public VtdUnit unit() {
    return unit;
  }

  public VtdConfig vtdConfig() {
    return vtdConfig;
  }

  public CachingModeShadow shadow() {
    return shadow;
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
    return devices.get(id);
  }

  /** The host container of an assigned device. */
  public HostContainer host(String id) {
    HostContainer c = hosts.get(id);
    if (c == null) {
      throw new IllegalArgumentException("device '" + id + "' is not an assigned device; assigned: " + hosts.keySet());
    }
    return c;
  }

  public Map<String, HostContainer> hosts() {
    return Collections.unmodifiableMap(hosts);
  }

  private List<SourceId> sids() {
    return deviceConfigs.values().stream().map(DeviceConfig::bdf).collect(Collectors.toList());
  }

  /** The retained events, one per line: the protocol trace of what happened so far. */
  public String trace() {
    StringBuilder sb = new StringBuilder();
    for (Event e : log.events()) sb.append(e).append('\n');
    return sb.toString();
  }

  @Override
  public void close() {
    unit.close();
  }
}
