package io.vtdsim.harness.machine;

import io.vtdsim.emu.device.AssignedDevice;
import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.device.EmulatedDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.harness.oracle.MachineView;
import io.vtdsim.harness.testbed.DeviceConfig;
import io.vtdsim.harness.testbed.TestBedConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model: q35-like guest memory, the emulated VT-d unit on the MMIO bus, the caching-mode shadow
 * (the configured strategy) with one host container per assigned device, assigned devices DMAing
 * through their container and emulated devices through the unit.
 */
public final class EmulatedMachine implements MachineUnderTest {
  private final GuestMemory memory;
  private final MmioBus bus;
  private final VtdConfig vtdConfig;
  private final VtdUnit unit;
  private final CachingModeShadow shadow;
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
    this.shadow = new CachingModeShadow(unit, memory, log, config.shadowSync().create());
    this.view = MachineView.of(unit);
    for (DeviceConfig d : config.devices()) {
      if (d.assigned()) {
        HostContainer c = new HostContainer(d.id(), config.host(), memory, log, config.hostMappingLimitOrDefault());
        hosts.put(d.id(), c);
        shadow.attach(d.bdf(), c);
        devices.put(d.id(), new AssignedDevice(d.id(), d.bdf(), c, memory, log));
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

  public CachingModeShadow shadow() {
    return shadow;
  }

  @Override
  public void close() {
    unit.close();
  }
}
