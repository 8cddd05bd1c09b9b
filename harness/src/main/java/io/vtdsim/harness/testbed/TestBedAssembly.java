package io.vtdsim.harness.testbed;

import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.IntelIommuDriver;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.machine.EmulatedMachine;
import io.vtdsim.harness.machine.MachineUnderTest;
import io.vtdsim.harness.machine.Machines;
import io.vtdsim.harness.oracle.HostView;
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.MappingOracle;
import io.vtdsim.harness.oracle.NestedHostView;
import io.vtdsim.harness.report.Counters;
import java.util.Map;

/**
 * The wiring of a TestBed from its config: the event log and what counts it, the devices, the vCPUs,
 * the machine of the configured backend ({@link Machines}), the oracle reading that machine with one
 * view per assigned device, and the driver on the machine's memory and bus (its table pool at the top
 * of low RAM, fault MSIs to its interrupt handler on a vCPU).
 */
final class TestBedAssembly {
  final Clock clock = new Clock();
  final EventLog log;
  final Counters counters;
  final DriverCalls driverCalls;
  final DeviceRoster devices;
  final Vcpus vcpus;
  final MachineUnderTest machine;
  final GuestMemory memory;
  final VtdConfig vtdConfig;
  final RamRegion pool;
  final IntentModel intent = new IntentModel();
  final MappingOracle oracle;
  final DriverConfig driverConfig;
  final IntelIommuDriver driver;

  TestBedAssembly(TestBedConfig config) {
    this.log = new EventLog(clock, config.eventRetention());
    this.counters = Counters.subscribedTo(log);
    this.driverCalls = DriverCalls.countedIn(log);
    if (config.ramBytes() < TestBed.MIN_RAM) {
      throw new IllegalArgumentException(String.format("guest RAM of %d bytes is below the minimum of %d (1 MiB)",
          config.ramBytes(), TestBed.MIN_RAM));
    }
    this.devices = new DeviceRoster(config.devices());
    this.vcpus = new Vcpus(config.vcpus(), this::takeInterrupt);
    this.machine = Machines.create(config, log, vcpus::post);
    try {
      this.memory = machine.memory();
      this.vtdConfig = machine instanceof EmulatedMachine e ? e.vtdConfig() : config.vtdConfig();
      this.pool = TestBed.tablePool(memory);
      this.oracle = new MappingOracle(memory, machine.view(), intent, log);
      for (Map.Entry<String, HostContainer> h : machine.hosts().entrySet()) {
        var hwpt = machine.nestedHwpts().get(h.getKey());
        var sid = devices.sid(h.getKey());
        if (hwpt != null) oracle.addNestedDevice(h.getKey(), sid, NestedHostView.of(hwpt), h.getValue().name());
        else oracle.addDevice(h.getKey(), sid, HostView.of(h.getValue()), h.getValue().name());
      }
      this.driverConfig = DriverConfig.of(config.driverPreset())
          .withFlush(config.flush())
          .withDmaMode(config.dmaMode())
          .withMmioBase(vtdConfig.mmioBase())
          .withTablePool(pool.base(), pool.size())
          .withGroups(devices.groups())
          .withWaitBound(config.waitBound());
      this.driver = new IntelIommuDriver(machine.bus(), memory, clock, log, driverConfig);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The fault event's handler, on the vCPU that takes it ({@link Vcpus}). */
  private void takeInterrupt(long address, int data) {
    IntelIommuDriver d = driver;
    if (d != null) d.onInterrupt(address, data);
  }

  void close() {
    try {
      machine.close();
    } finally {
      vcpus.close();
    }
  }
}
