package io.vtdsim.harness.testbed;

import io.vtdsim.driver.DmaMode;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.FlushPolicyName;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.scenario.MachineSpec;
import java.util.List;

/**
 * Everything a {@link TestBed} is built from, as types: names were parsed at the edge (scenario
 * loader, {@code --set}, {@link TestBedBuilder}). The machine is the scenario's own record, {@link
 * MachineSpec}, with its defaults filled in; null capability overrides keep the machine preset's
 * value. Build it with {@link TestBed#builder()} rather than by hand.
 *
 * @param machine the {@code machine:} keys, resolved ({@link MachineSpec#withDefaults}): preset, RAM,
 *     address width, strategy, host, backend, fidelity and queue are set
 * @param driverPreset Linux era
 * @param flush flush policy
 * @param dmaMode strict | lazy
 * @param devices the devices
 * @param eventRetention events kept in memory (subscribers such as the oracle and counters see all)
 * @param waitBound the driver's polls of a status word or register before it gives up
 *     ({@code DriverConfig.waitBound}, a {@code driver-timeout})
 * @param vcpus guest CPUs calling the driver in turn (1: the caller's thread)
 */
public record TestBedConfig(
    MachineSpec machine,
    DriverPreset driverPreset,
    FlushPolicyName flush,
    DmaMode dmaMode,
    List<DeviceConfig> devices,
    int eventRetention,
    int waitBound,
    int vcpus) {

  public TestBedConfig {
    if (machine == null || driverPreset == null || flush == null || dmaMode == null) {
      throw new IllegalArgumentException("machine, driver preset, flush and DMA mode are required");
    }
    machine = machine.withDefaults();
    if (!VtdConfig.PRESETS.contains(machine.preset())) {
      throw new IllegalArgumentException(
          "unknown machine preset '" + machine.preset() + "'; known: " + String.join(", ", VtdConfig.PRESETS));
    }
    devices = List.copyOf(devices);
    if (eventRetention < 0) throw new IllegalArgumentException("event retention must be ≥ 0");
    if (machine.hostMappingLimit() != null && machine.hostMappingLimit() < 1) {
      throw new IllegalArgumentException("the host mapping limit must be at least 1: " + machine.hostMappingLimit());
    }
    if (waitBound < 1) throw new IllegalArgumentException("the driver's wait bound must be ≥ 1 poll: " + waitBound);
    if (vcpus < 1 || vcpus > io.vtdsim.harness.scenario.DriverSpec.MAX_VCPUS) {
      throw new IllegalArgumentException("vCPUs must be 1.." + io.vtdsim.harness.scenario.DriverSpec.MAX_VCPUS + ": " + vcpus);
    }
    machine.registerPreset(); // an impossible scalable-mode / flts combination: its message names the key
    if (machine.backend() == Backend.QEMU && machine.queue() != VtdConfig.QueueProcessing.INLINE) {
      throw new IllegalArgumentException("machine.queue: QEMU processes its queue itself; thread is a model setting");
    }
    if (machine.backend() == Backend.QEMU && machine.shadowSync() == ShadowStrategy.NESTED) {
      throw new IllegalArgumentException("machine.shadow-sync: nested is a model setting; QEMU nests only on an iommufd"
          + " host device, and the QEMU backend's assigned devices are vfio-user ones");
    }
  }

  /** What runs the machine: the model or real QEMU. */
  public Backend backend() {
    return machine.backend();
  }

  /** VT-d preset, one of {@link VtdConfig#PRESETS}. */
  public String machinePreset() {
    return machine.preset();
  }

  /** Address width 39 | 48 | 57. */
  public int awBits() {
    return machine.awBits();
  }

  /** Guest RAM (q35 layout: above 2 GiB it is relocated above 4 GiB). */
  public long ramBytes() {
    return machine.ramBytes();
  }

  /** CAP.CM override. */
  public Boolean cachingMode() {
    return machine.cachingMode();
  }

  /** CAP.PSI override. */
  public Boolean psi() {
    return machine.psi();
  }

  /** CAP.MAMV override. */
  public Integer mamv() {
    return machine.mamv();
  }

  /** CAP.SLLPS override (empty: none). */
  public List<Superpage> superpages() {
    return machine.superpages();
  }

  /** ECAP.QI override. */
  public Boolean queuedInvalidation() {
    return machine.queuedInvalidation();
  }

  /** Negative-caching (VtdConfig.negativeCaching) override. */
  public Boolean negativeCaching() {
    return machine.negativeCaching();
  }

  /** The model's shadow strategy. */
  public ShadowStrategy shadowSync() {
    return machine.shadowSync();
  }

  /** Host IOMMU semantics. */
  public HostSemantics host() {
    return machine.host();
  }

  /** The unit's {@link Fidelity}: strict or the QEMU of the preset's version. */
  public Fidelity fidelity() {
    return machine.fidelity();
  }

  /** The host containers' mapping limit (null: the semantics' default, see {@code HostContainer}). */
  public Long hostMappingLimit() {
    return machine.hostMappingLimit();
  }

  /** Where the unit processes its invalidation queue. */
  public VtdConfig.QueueProcessing queue() {
    return machine.queue();
  }

  /**
   * Whether the unit is in scalable mode (QEMU's {@code scalable-mode=on}): {@code machine.scalable-mode},
   * else the preset's ({@code qemu-11.1-sm}, {@code qemu-11.1-sm-fsts}); never null.
   */
  public Boolean scalableMode() {
    return machine.scalableModeOrPreset();
  }

  /**
   * Whether the scalable-mode unit translates first-stage (QEMU's {@code fsts=on}): {@code machine.flts},
   * else the preset's ({@code qemu-11.1-sm-fsts}); never null.
   */
  public Boolean flts() {
    return machine.fltsOrPreset();
  }

  /** The VT-d unit this configuration asks for: the preset at {@link #awBits} with the overrides applied. */
  public VtdConfig vtdConfig() {
    return machine.vtdConfig();
  }

  /** Whether some device is assigned (has a host container). */
  public boolean hasAssignedDevice() {
    return devices.stream().anyMatch(DeviceConfig::assigned);
  }

  /**
   * The host containers' mapping limit: as set, else vfio type1's dma_entry_limit (65535, U16_MAX) or, for
   * iommufd, guest RAM + 1 GiB of pinned 4 KiB pages (RLIMIT_MEMLOCK as libvirt sets it for VFIO devices).
   */
  public long hostMappingLimitOrDefault() {
    if (hostMappingLimit() != null) return hostMappingLimit();
    return host() == HostSemantics.VFIO_TYPE1
        ? HostContainer.DEFAULT_DMA_ENTRY_LIMIT
        : (ramBytes() + (1L << 30)) / HostContainer.PAGE_SIZE;
  }
}
