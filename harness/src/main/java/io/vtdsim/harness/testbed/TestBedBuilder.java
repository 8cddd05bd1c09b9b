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
  /** The machine keys set so far (null: the default); TestBedConfig resolves the defaults. */
  private MachineSpec.Builder machine = MachineSpec.builder();
  private DriverPreset driverPreset = DriverPreset.parse(DriverSpec.DEFAULT_PRESET);
  private FlushPolicyName flush = FlushPolicyName.parse(DriverSpec.DEFAULT_FLUSH);
  private DmaMode dmaMode = DmaMode.parse(DriverSpec.DEFAULT_DMA_MODE);
  private final List<DeviceConfig> devices = new ArrayList<>();
  private int eventRetention = EventLog.UNBOUNDED;
  private int waitBound = DriverConfig.DEFAULT_WAIT_BOUND;
  private int vcpus = 1;

  TestBedBuilder() {}

  static TestBedBuilder from(Scenario s) {
    DriverSpec d = s.driver();
    TestBedBuilder b = new TestBedBuilder()
        .driver(d.presetOrDefault())
        .flush(d.flushOrDefault())
        .dmaMode(d.dmaModeOrDefault());
    b.machine = s.machine().toBuilder();
    if (d.waitBound() != null) b.waitBound(d.waitBound());
    b.vcpus(d.vcpusOrDefault());
    for (DeviceSpec dev : s.devices()) b.device(dev.id(), dev.bdf(), dev.assigned(), dev.group());
    return b;
  }

  /** What runs the machine: {@code model} (default) or {@code qemu}. */
  public TestBedBuilder backend(String name) {
    return backend(Backend.parse(name));
  }

  public TestBedBuilder backend(Backend b) {
    machine.backend(Objects.requireNonNull(b, "backend"));
    return this;
  }

  public TestBedBuilder machine(String preset) {
    if (!VtdConfig.PRESETS.contains(preset)) {
      throw new IllegalArgumentException("unknown machine preset '" + preset + "'; known: "
          + String.join(", ", VtdConfig.PRESETS));
    }
    machine.preset(preset);
    return this;
  }

  public TestBedBuilder awBits(int bits) {
    machine.awBits(bits);
    return this;
  }

  public TestBedBuilder ram(long bytes) {
    machine.ramBytes(bytes);
    return this;
  }

  public TestBedBuilder cachingMode(boolean on) {
    machine.cachingMode(on);
    return this;
  }

  public TestBedBuilder psi(boolean on) {
    machine.psi(on);
    return this;
  }

  public TestBedBuilder mamv(int value) {
    machine.mamv(value);
    return this;
  }

  /** Superpage sizes the unit supports ("2M", "1G"); none for 4 KiB only. */
  public TestBedBuilder superpages(String... sizes) {
    List<Superpage> out = new ArrayList<>();
    for (String s : sizes) out.add(Superpage.parse(s));
    return superpages(out);
  }

  public TestBedBuilder superpages(List<Superpage> sizes) {
    machine.superpages(List.copyOf(sizes));
    return this;
  }

  public TestBedBuilder queuedInvalidation(boolean on) {
    machine.queuedInvalidation(on);
    return this;
  }

  public TestBedBuilder negativeCaching(boolean on) {
    machine.negativeCaching(on);
    return this;
  }

  /**
   * QEMU's {@code scalable-mode}: the preset's scalable-mode unit (qemu-11.1 and qemu-10.2 have one, as
   * {@code qemu-11.1-sm}); false gives an {@code -sm} preset's legacy unit.
   */
  public TestBedBuilder scalableMode(boolean on) {
    machine.scalableMode(on);
    return this;
  }

  /** QEMU's first-stage property ({@code fsts}): the scalable-mode unit with first-stage translation (aw-bits 48). */
  public TestBedBuilder flts(boolean on) {
    machine.flts(on);
    return this;
  }

  public TestBedBuilder shadowSync(String name) {
    return shadowSync(ShadowStrategy.parse(name));
  }

  public TestBedBuilder shadowSync(ShadowStrategy name) {
    machine.shadowSync(Objects.requireNonNull(name, "name"));
    return this;
  }

  public TestBedBuilder host(String semantics) {
    return host(HostSemantics.parse(semantics));
  }

  public TestBedBuilder host(HostSemantics semantics) {
    machine.host(Objects.requireNonNull(semantics, "semantics"));
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
    machine.fidelity(Objects.requireNonNull(f, "fidelity"));
    return this;
  }

  /**
   * The host's mapping limit: vfio-type1 DMA mappings per container (dma_entry_limit, default 65535),
   * iommufd pinned 4 KiB pages (RLIMIT_MEMLOCK, default guest RAM + 1 GiB).
   */
  public TestBedBuilder hostMappingLimit(long limit) {
    machine.hostMappingLimit(limit);
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
    machine.queue(io.vtdsim.harness.scenario.Vocabulary.queue(mode));
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
    return new TestBedConfig(machine.build(), driverPreset, flush, dmaMode, devices, eventRetention, waitBound, vcpus);
  }

  public TestBed build() {
    return new TestBed(config());
  }
}
