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
import java.util.List;

/**
 * Everything a {@link TestBed} is built from, as types: names were parsed at the edge (scenario
 * loader, {@code --set}, {@link TestBedBuilder}). Null capability overrides keep the machine preset's
 * value. Build it with {@link TestBed#builder()} rather than by hand.
 *
 * @param backend what runs the machine: the model or real QEMU
 * @param machinePreset VT-d preset, one of {@link VtdConfig#PRESETS}
 * @param awBits address width 39 | 48 | 57
 * @param ramBytes guest RAM (q35 layout: above 2 GiB it is relocated above 4 GiB)
 * @param cachingMode CAP.CM override
 * @param psi CAP.PSI override
 * @param mamv CAP.MAMV override
 * @param superpages CAP.SLLPS override (empty: none)
 * @param queuedInvalidation ECAP.QI override
 * @param negativeCaching cache not-present translations (VtdConfig.negativeCaching) override
 * @param shadowSync the model's shadow strategy
 * @param host host IOMMU semantics
 * @param driverPreset Linux era
 * @param flush flush policy
 * @param dmaMode strict | lazy
 * @param devices the devices
 * @param eventRetention events kept in memory (subscribers such as the oracle and counters see all)
 * @param fidelity the unit's {@link Fidelity}: strict or the QEMU of the preset's version
 * @param hostMappingLimit the host containers' mapping limit (null: the semantics' default, see
 *     {@code HostContainer})
 * @param waitBound the driver's polls of a status word or register before it gives up
 *     ({@code DriverConfig.waitBound}, a {@code driver-timeout})
 * @param queue where the unit processes its invalidation queue (VtdConfig.QueueProcessing)
 * @param vcpus guest CPUs calling the driver in turn (1: the caller's thread)
 */
public record TestBedConfig(
    Backend backend,
    String machinePreset,
    int awBits,
    long ramBytes,
    Boolean cachingMode,
    Boolean psi,
    Integer mamv,
    List<Superpage> superpages,
    Boolean queuedInvalidation,
    Boolean negativeCaching,
    ShadowStrategy shadowSync,
    HostSemantics host,
    DriverPreset driverPreset,
    FlushPolicyName flush,
    DmaMode dmaMode,
    List<DeviceConfig> devices,
    int eventRetention,
    Fidelity fidelity,
    Long hostMappingLimit,
    int waitBound,
    VtdConfig.QueueProcessing queue,
    int vcpus) {

  public TestBedConfig {
    if (backend == null || machinePreset == null || shadowSync == null || host == null || driverPreset == null
        || flush == null || dmaMode == null) {
      throw new IllegalArgumentException("backend, presets, strategy, host, flush and DMA mode are required");
    }
    if (!VtdConfig.PRESETS.contains(machinePreset)) {
      throw new IllegalArgumentException(
          "unknown machine preset '" + machinePreset + "'; known: " + String.join(", ", VtdConfig.PRESETS));
    }
    superpages = superpages == null ? null : List.copyOf(superpages);
    devices = List.copyOf(devices);
    if (eventRetention < 0) throw new IllegalArgumentException("event retention must be ≥ 0");
    if (hostMappingLimit != null && hostMappingLimit < 1) {
      throw new IllegalArgumentException("the host mapping limit must be at least 1: " + hostMappingLimit);
    }
    if (fidelity == null) throw new IllegalArgumentException("fidelity is required (strict or qemu)");
    if (waitBound < 1) throw new IllegalArgumentException("the driver's wait bound must be ≥ 1 poll: " + waitBound);
    if (queue == null) throw new IllegalArgumentException("the queue processing mode is required (inline or thread)");
    if (vcpus < 1 || vcpus > io.vtdsim.harness.scenario.DriverSpec.MAX_VCPUS) {
      throw new IllegalArgumentException("vCPUs must be 1.." + io.vtdsim.harness.scenario.DriverSpec.MAX_VCPUS + ": " + vcpus);
    }
    if (backend == Backend.QEMU && queue != VtdConfig.QueueProcessing.INLINE) {
      throw new IllegalArgumentException("machine.queue: QEMU processes its queue itself; thread is a model setting");
    }
  }

  /** The VT-d unit this configuration asks for: the preset at {@link #awBits} with the overrides applied. */
  public VtdConfig vtdConfig() {
    VtdConfig v = VtdConfig.preset(machinePreset, awBits, fidelity);
    var cap = v.cap();
    if (cachingMode != null) cap = cap.withCm(cachingMode);
    if (psi != null) cap = cap.withPsi(psi);
    if (mamv != null) cap = cap.withMamv(mamv);
    if (superpages != null) {
      int sllps = 0;
      for (Superpage s : superpages) sllps |= s.sllpsBit();
      cap = cap.withSllps(sllps);
    }
    v = v.withCap(cap);
    if (queuedInvalidation != null) v = v.withEcap(v.ecap().withQi(queuedInvalidation));
    if (negativeCaching != null) v = v.withNegativeCaching(negativeCaching);
    return v.withQueueProcessing(queue);
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
    if (hostMappingLimit != null) return hostMappingLimit;
    return host == HostSemantics.VFIO_TYPE1
        ? HostContainer.DEFAULT_DMA_ENTRY_LIMIT
        : (ramBytes + (1L << 30)) / HostContainer.PAGE_SIZE;
  }
}
