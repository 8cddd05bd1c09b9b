package io.vtdsim.harness.testbed;

import io.vtdsim.driver.DriverConfig;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;

/**
 * Fluent construction of a {@link TestBed}. Defaults match a scenario file's: qemu-7.2 at aw-bits 48,
 * 1 GiB of RAM, iova-tree, vfio-type1, linux-6.12 with the linux flush policy, strict DMA.
 */
public final class TestBedBuilder {
  private String machinePreset = MachineSpec.DEFAULT_PRESET;
  private int awBits = MachineSpec.DEFAULT_AW_BITS;
  private long ramBytes = MachineSpec.DEFAULT_RAM_BYTES;
  private Boolean cachingMode;
  private Boolean psi;
  private Integer mamv;
  private List<String> superpages;
  private Boolean queuedInvalidation;
  private Boolean negativeCaching;
  private String shadowSync = MachineSpec.DEFAULT_SHADOW_SYNC;
  private String host = MachineSpec.DEFAULT_HOST;
  private String driverPreset = DriverSpec.DEFAULT_PRESET;
  private String flush = DriverSpec.DEFAULT_FLUSH;
  private String dmaMode = DriverSpec.DEFAULT_DMA_MODE;
  private final List<DeviceConfig> devices = new ArrayList<>();
  private int eventRetention = EventLog.UNBOUNDED;
  private int waitBound = DriverConfig.DEFAULT_WAIT_BOUND;

  TestBedBuilder() {}

  static TestBedBuilder from(Scenario s) {
    MachineSpec m = s.machine();
    DriverSpec d = s.driver();
    TestBedBuilder b = new TestBedBuilder()
        .machine(m.presetOrDefault())
        .awBits(m.awBitsOrDefault())
        .ram(m.ramBytesOrDefault())
        .shadowSync(m.shadowSyncOrDefault())
        .host(m.hostOrDefault())
        .driver(d.presetOrDefault())
        .flush(d.flushOrDefault())
        .dmaMode(d.dmaModeOrDefault());
    b.cachingMode = m.cachingMode();
    b.psi = m.psi();
    b.mamv = m.mamv();
    b.superpages = m.superpages();
    b.queuedInvalidation = m.queuedInvalidation();
    b.negativeCaching = m.negativeCaching();
    if (d.waitBound() != null) b.waitBound(d.waitBound());
    for (DeviceSpec dev : s.devices()) b.device(dev.id(), dev.bdf(), dev.assigned());
    return b;
  }

  public TestBedBuilder machine(String preset) {
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
    this.superpages = List.of(sizes);
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
    this.shadowSync = name;
    return this;
  }

  public TestBedBuilder host(String semantics) {
    this.host = semantics;
    return this;
  }

  public TestBedBuilder driver(String preset) {
    this.driverPreset = preset;
    return this;
  }

  public TestBedBuilder flush(String policy) {
    this.flush = policy;
    return this;
  }

  public TestBedBuilder dmaMode(String mode) {
    this.dmaMode = mode;
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
    devices.add(new DeviceConfig(id, SourceId.parse(bdf), assigned));
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

  public TestBedConfig config() {
    return new TestBedConfig(machinePreset, awBits, ramBytes, cachingMode, psi, mamv, superpages,
        queuedInvalidation, negativeCaching, shadowSync, host, driverPreset, flush, dmaMode, devices,
        eventRetention, waitBound);
  }

  public TestBed build() {
    return new TestBed(config());
  }
}
