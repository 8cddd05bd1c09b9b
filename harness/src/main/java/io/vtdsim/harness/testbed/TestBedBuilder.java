package io.vtdsim.harness.testbed;

import io.vtdsim.driver.DmaMode;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.FlushPolicyName;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fluent construction of a {@link TestBed}. Defaults match a scenario file's: the model backend,
 * qemu-7.2 at aw-bits 48, 1 GiB of RAM, iova-tree, vfio-type1, linux-6.12 with the linux flush
 * policy, strict DMA. The methods taking names parse them at once (an unknown name is an
 * {@link IllegalArgumentException} from that call); the configuration carries types.
 */
public final class TestBedBuilder {
  private Backend backend = Backend.MODEL;
  private String machinePreset = MachineSpec.DEFAULT_PRESET;
  private int awBits = MachineSpec.DEFAULT_AW_BITS;
  private long ramBytes = MachineSpec.DEFAULT_RAM_BYTES;
  private Boolean cachingMode;
  private Boolean psi;
  private Integer mamv;
  private List<Superpage> superpages;
  private Boolean queuedInvalidation;
  private Boolean negativeCaching;
  private ShadowStrategy shadowSync = ShadowStrategy.parse(MachineSpec.DEFAULT_SHADOW_SYNC);
  private HostSemantics host = HostSemantics.parse(MachineSpec.DEFAULT_HOST);
  private DriverPreset driverPreset = DriverPreset.parse(DriverSpec.DEFAULT_PRESET);
  private FlushPolicyName flush = FlushPolicyName.parse(DriverSpec.DEFAULT_FLUSH);
  private DmaMode dmaMode = DmaMode.parse(DriverSpec.DEFAULT_DMA_MODE);
  private Fidelity fidelity = Fidelity.STRICT;
  private Long hostMappingLimit;
  private final List<DeviceConfig> devices = new ArrayList<>();
  private int eventRetention = EventLog.UNBOUNDED;
  private int waitBound = DriverConfig.DEFAULT_WAIT_BOUND;
  private VtdConfig.QueueProcessing queue = VtdConfig.QueueProcessing.INLINE;
  private int vcpus = 1;

  TestBedBuilder() {}

  static TestBedBuilder from(Scenario s) {
    MachineSpec m = s.machine();
    DriverSpec d = s.driver();
    TestBedBuilder b = new TestBedBuilder()
        .backend(m.backendOrDefault())
        .machine(m.presetOrDefault())
        .awBits(m.awBitsOrDefault())
        .ram(m.ramBytesOrDefault())
        .shadowSync(m.shadowSyncOrDefault())
        .host(m.hostOrDefault())
        .fidelity(m.fidelityOrDefault())
        .driver(d.presetOrDefault())
        .flush(d.flushOrDefault())
        .dmaMode(d.dmaModeOrDefault());
    b.cachingMode = m.cachingMode();
    b.psi = m.psi();
    b.mamv = m.mamv();
    b.superpages = m.superpages() == null ? null : m.superpages().stream().map(Superpage::parse).toList();
    b.queuedInvalidation = m.queuedInvalidation();
    b.negativeCaching = m.negativeCaching();
    b.hostMappingLimit = m.hostMappingLimit();
    if (d.waitBound() != null) b.waitBound(d.waitBound());
    b.queue(m.queueOrDefault());
    b.vcpus(d.vcpusOrDefault());
    for (DeviceSpec dev : s.devices()) b.device(dev.id(), dev.bdf(), dev.assigned(), dev.group());
    return b;
  }

  /** What runs the machine: {@code model} (default) or {@code qemu}. */
  public TestBedBuilder backend(String name) {
    return backend(Backend.parse(name));
  }

  public TestBedBuilder backend(Backend b) {
    this.backend = Objects.requireNonNull(b, "backend");
    return this;
  }

  public TestBedBuilder machine(String preset) {
    if (!VtdConfig.PRESETS.contains(preset)) {
      throw new IllegalArgumentException("unknown machine preset '" + preset + "'; known: "
          + String.join(", ", VtdConfig.PRESETS));
    }
    this.machinePreset = preset;
    return this;
  }

  public TestBedBuilder awBits(int bits) {
    this.awBits = bits;
    return this;
  }

  public TestBedBuilder ram(long bytes) {
    this.ramBytes = bytes;
    return this;
  }

  public TestBedBuilder cachingMode(boolean on) {
    this.cachingMode = on;
    return this;
  }

  public TestBedBuilder psi(boolean on) {
    this.psi = on;
    return this;
  }

  public TestBedBuilder mamv(int value) {
    this.mamv = value;
    return this;
  }

  /** Superpage sizes the unit supports ("2M", "1G"); none for 4 KiB only. */
  public TestBedBuilder superpages(String... sizes) {
    List<Superpage> out = new ArrayList<>();
    for (String s : sizes) out.add(Superpage.parse(s));
    return superpages(out);
  }

  public TestBedBuilder superpages(List<Superpage> sizes) {
    this.superpages = List.copyOf(sizes);
    return this;
  }

  public TestBedBuilder queuedInvalidation(boolean on) {
    this.queuedInvalidation = on;
    return this;
  }

  public TestBedBuilder negativeCaching(boolean on) {
    this.negativeCaching = on;
    return this;
  }

  public TestBedBuilder shadowSync(String name) {
    return shadowSync(ShadowStrategy.parse(name));
  }

  public TestBedBuilder shadowSync(ShadowStrategy name) {
    this.shadowSync = Objects.requireNonNull(name, "name");
    return this;
  }

  public TestBedBuilder host(String semantics) {
    return host(HostSemantics.parse(semantics));
  }

  public TestBedBuilder host(HostSemantics semantics) {
    this.host = Objects.requireNonNull(semantics, "semantics");
    return this;
  }

  /**
   * {@code strict} (default: the specification's least forgiving hardware) or {@code qemu} (the
   * QEMU of the machine preset's version; not with {@code bare-metal}).
   */
  public TestBedBuilder fidelity(String name) {
    return fidelity(Fidelity.of(name));
  }

  public TestBedBuilder fidelity(Fidelity f) {
    this.fidelity = Objects.requireNonNull(f, "fidelity");
    return this;
  }

  /**
   * The host's mapping limit: vfio-type1 DMA mappings per container (dma_entry_limit, default 65535),
   * iommufd pinned 4 KiB pages (RLIMIT_MEMLOCK, default guest RAM + 1 GiB).
   */
  public TestBedBuilder hostMappingLimit(long limit) {
    this.hostMappingLimit = limit;
    return this;
  }

  public TestBedBuilder driver(String preset) {
    return driver(DriverPreset.parse(preset));
  }

  public TestBedBuilder driver(DriverPreset preset) {
    this.driverPreset = Objects.requireNonNull(preset, "preset");
    return this;
  }

  public TestBedBuilder flush(String policy) {
    return flush(FlushPolicyName.parse(policy));
  }

  public TestBedBuilder flush(FlushPolicyName policy) {
    this.flush = Objects.requireNonNull(policy, "policy");
    return this;
  }

  public TestBedBuilder dmaMode(String mode) {
    return dmaMode(DmaMode.parse(mode));
  }

  public TestBedBuilder dmaMode(DmaMode mode) {
    this.dmaMode = Objects.requireNonNull(mode, "mode");
    return this;
  }

  /** An assigned device ("bb:dd.f"). */
  public TestBedBuilder assigned(String id, String bdf) {
    return device(id, bdf, true);
  }

  /** An emulated device ("bb:dd.f"). */
  public TestBedBuilder emulated(String id, String bdf) {
    return device(id, bdf, false);
  }

  public TestBedBuilder device(String id, String bdf, boolean assigned) {
    return device(id, bdf, assigned, null);
  }

  /** A device in the guest IOMMU group {@code group} (null: alone): a group shares one domain and DID. */
  public TestBedBuilder device(String id, String bdf, boolean assigned, String group) {
    devices.add(new DeviceConfig(id, SourceId.parse(bdf), assigned, group));
    return this;
  }

  /** Keep at most {@code n} events in memory (subscribers still see all). */
  public TestBedBuilder eventRetention(int n) {
    this.eventRetention = n;
    return this;
  }

  /**
   * The driver's polls of a status word or register before it gives up with a timeout (default
   * {@link DriverConfig#DEFAULT_WAIT_BOUND}); lower it to make a hardware that never completes cheap.
   */
  public TestBedBuilder waitBound(int polls) {
    this.waitBound = polls;
    return this;
  }

  /**
   * Where the unit processes its invalidation queue: {@code inline} (default; in the IQT write, so runs
   * are deterministic) or {@code thread} (the unit's own hardware thread, as a real unit runs beside
   * the CPUs; the driver's completion polls then race it, so poll counts vary between runs).
   */
  public TestBedBuilder queue(String mode) {
    if (!io.vtdsim.harness.scenario.Vocabulary.QUEUES.contains(mode)) {
      throw new IllegalArgumentException("unknown queue mode '" + mode + "'; known: "
          + String.join(", ", io.vtdsim.harness.scenario.Vocabulary.QUEUES));
    }
    this.queue = VtdConfig.QueueProcessing.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
    return this;
  }

  /**
   * The guest CPUs that call the driver (default 1: the caller's thread). With more, each driver call
   * runs on the next vCPU thread in turn — Linux's per-CPU IOVA caches then see the CPU that called —
   * and each vCPU takes the interrupts raised during its call, after the call.
   */
  public TestBedBuilder vcpus(int n) {
    this.vcpus = n;
    return this;
  }

  public TestBedConfig config() {
    return new TestBedConfig(backend, machinePreset, awBits, ramBytes, cachingMode, psi, mamv, superpages,
        queuedInvalidation, negativeCaching, shadowSync, host, driverPreset, flush, dmaMode, devices,
        eventRetention, fidelity, hostMappingLimit, waitBound, queue, vcpus);
  }

  public TestBed build() {
    return new TestBed(config());
  }
}
