package io.vtdsim.harness.machine;

import io.vtdsim.emu.device.AssignedDevice;
import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.device.EmulatedDevice;
import io.vtdsim.emu.device.NestedAssignedDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.nested.NestedForwarder;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.harness.oracle.MachineView;
import io.vtdsim.harness.testbed.DeviceConfig;
import io.vtdsim.harness.testbed.TestBedConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The model: q35-like guest memory, the emulated VT-d unit on the MMIO bus, the caching-mode shadow
 * (the configured strategy) with one host container per assigned device, assigned devices DMAing
 * through their container and emulated devices through the unit.
 *
 * <p>With {@code machine.shadow-sync: nested} ({@link ShadowStrategy#NESTED}) there is no shadow: as
 * QEMU's iommufd path, the VMM maps all guest RAM guest-physical → guest-physical into each assigned
 * device's container at start (the nesting-parent stage 2), puts a {@link NestedHwpt} on it, and the
 * unit's observer is a {@link NestedForwarder} (bind at PASID-cache invalidations, SRTP and TE;
 * PASID-based IOTLB invalidations forwarded); the device DMAs through the HWPT
 * ({@link NestedAssignedDevice}). Only a first-stage RID_PASID entry binds; with translation off or a
 * pass-through entry the device is on stage 2 itself; in legacy mode or with a second-stage entry it
 * is blocked (every DMA faults).
 */
public final class EmulatedMachine implements MachineUnderTest {
  /** Host IOTLB entries a nested HWPT caches before it empties itself (QEMU's vIOMMU IOTLB holds 1024). */
  static final int NESTED_IOTLB_ENTRIES = 1024;

  private final GuestMemory memory;
  private final MmioBus bus;
  private final VtdConfig vtdConfig;
  private final VtdUnit unit;
  private final CachingModeShadow shadow;
  private final NestedForwarder forwarder;
  private final Map<String, NestedHwpt> hwpts = new LinkedHashMap<>();
  private final MachineView view;
  private final Map<String, HostContainer> hosts = new LinkedHashMap<>();
  private final Map<String, DmaDevice> devices = new LinkedHashMap<>();

  /**
   * @param msi where the unit's fault-event interrupts go (the driver's handler)
   * @throws IllegalStateException when an assigned device needs caching mode and CAP.CM=0 (QEMU's refusal)
   */
  public EmulatedMachine(TestBedConfig config, EventLog log, MsiSink msi) {
    this.memory = GuestMemory.q35(config.ramBytes());
    this.bus = new MmioBus(log);
    this.vtdConfig = config.vtdConfig();
    this.unit = new VtdUnit(vtdConfig, memory, log, msi);
    bus.map(vtdConfig.mmioBase(), unit);
    boolean nested = config.shadowSync() == ShadowStrategy.NESTED;
    this.shadow = nested ? null : new CachingModeShadow(unit, memory, log, config.shadowSync().create());
    this.forwarder = nested ? new NestedForwarder(memory, vtdConfig) : null;
    if (nested) unit.addObserver(forwarder);
    this.view = MachineView.of(unit);
    for (DeviceConfig d : config.devices()) {
      if (d.assigned()) {
        HostContainer c = new HostContainer(d.id(), config.host(), memory, log, config.hostMappingLimitOrDefault());
        hosts.put(d.id(), c);
        if (nested) {
          for (RamRegion r : memory.regions()) c.map(r.base(), r.base(), r.size(), true, true);
          NestedHwpt h = new NestedHwpt(d.id(), c, memory, log, vtdConfig.hostAddressWidth(), vtdConfig.cap().fl1gp(),
              NESTED_IOTLB_ENTRIES);
          forwarder.attach(d.bdf().sid(), h);
          hwpts.put(d.id(), h);
          devices.put(d.id(), new NestedAssignedDevice(d.id(), d.bdf(), h, memory, log));
        } else {
          shadow.attach(d.bdf(), c);
          devices.put(d.id(), new AssignedDevice(d.id(), d.bdf(), c, memory, log));
        }
      } else {
        devices.put(d.id(), new EmulatedDevice(d.id(), d.bdf(), unit, memory, log));
      }
    }
  }

  @Override
  public Backend backend() {
    return Backend.MODEL;
  }

  @Override
  public String version() {
    return Backend.MODEL.label();
  }

  @Override
  public GuestMemory memory() {
    return memory;
  }

  @Override
  public MmioBus bus() {
    return bus;
  }

  @Override
  public MachineView view() {
    return view;
  }

  @Override
  public Map<String, HostContainer> hosts() {
    return Collections.unmodifiableMap(hosts);
  }

  @Override
  public DmaDevice device(String id) {
    DmaDevice d = devices.get(id);
    if (d == null) throw new IllegalArgumentException("unknown device '" + id + "'; known: " + devices.keySet());
    return d;
  }

  public VtdUnit unit() {
    return unit;
  }

  public VtdConfig vtdConfig() {
    return vtdConfig;
  }

  /**
   * @throws IllegalStateException under {@code nested}, which has no shadow
   */
  public CachingModeShadow shadow() {
    if (shadow == null) throw new IllegalStateException("machine.shadow-sync nested has no caching-mode shadow");
    return shadow;
  }

  /** The forwarder of guest invalidations under {@code nested}. */
  public Optional<NestedForwarder> forwarder() {
    return Optional.ofNullable(forwarder);
  }

  @Override
  public Map<String, NestedHwpt> nestedHwpts() {
    return Collections.unmodifiableMap(hwpts);
  }

  @Override
  public void close() {
    unit.close();
  }
}
