package io.vtdsim.harness.testbed;

import io.vtdsim.driver.DriverConfig;
import java.util.List;

/**
 * Everything a {@link TestBed} is built from. Null capability overrides keep the machine preset's
 * value. Build it with {@link TestBed#builder()} rather than by hand.
 *
 * @param machinePreset VT-d preset ({@code qemu-7.2}, {@code qemu-10.2}, {@code bare-metal})
 * @param awBits address width 39 | 48 | 57
 * @param ramBytes guest RAM (q35 layout: above 2 GiB it is relocated above 4 GiB)
 * @param cachingMode CAP.CM override
 * @param psi CAP.PSI override
 * @param mamv CAP.MAMV override
 * @param superpages CAP.SLLPS override as sizes "2M" / "1G" (empty: none)
 * @param queuedInvalidation ECAP.QI override
 * @param negativeCaching cache not-present translations (VtdConfig.negativeCaching) override
 * @param shadowSync shadow strategy name ({@code psi-only}, {@code unmap-all-replay}, {@code iova-tree})
 * @param host host semantics name ({@code vfio-type1}, {@code iommufd})
 * @param driverPreset Linux era ({@code linux-4.10} ... {@code linux-6.12})
 * @param flush flush policy name
 * @param dmaMode {@code strict} | {@code lazy}
 * @param devices the devices
 * @param eventRetention events kept in memory (subscribers such as the oracle and counters see all)
 * @param waitBound the driver's polls of a status word or register before it gives up
 *     ({@code DriverConfig.waitBound}, a {@code driver-timeout})
 */
public record TestBedConfig(
    String machinePreset,
    int awBits,
    long ramBytes,
    Boolean cachingMode,
    Boolean psi,
    Integer mamv,
    List<String> superpages,
    Boolean queuedInvalidation,
    Boolean negativeCaching,
    String shadowSync,
    String host,
    String driverPreset,
    String flush,
    String dmaMode,
    List<DeviceConfig> devices,
    int eventRetention,
    int waitBound) {

  /** A configuration with the driver's default wait bound. */
  public TestBedConfig(String machinePreset, int awBits, long ramBytes, Boolean cachingMode, Boolean psi, Integer mamv,
      List<String> superpages, Boolean queuedInvalidation, Boolean negativeCaching, String shadowSync, String host,
      String driverPreset, String flush, String dmaMode, List<DeviceConfig> devices, int eventRetention) {
    this(machinePreset, awBits, ramBytes, cachingMode, psi, mamv, superpages, queuedInvalidation, negativeCaching,
        shadowSync, host, driverPreset, flush, dmaMode, devices, eventRetention, DriverConfig.DEFAULT_WAIT_BOUND);
  }

  public TestBedConfig {
    superpages = superpages == null ? null : List.copyOf(superpages);
    devices = List.copyOf(devices);
    if (eventRetention < 0) throw new IllegalArgumentException("event retention must be ≥ 0");
    if (waitBound < 1) throw new IllegalArgumentException("the driver's wait bound must be ≥ 1 poll: " + waitBound);
  }
}
