package io.vtdsim.harness.scenario;

import java.util.List;

/**
 * One scenario: a machine, a guest driver configuration, devices, the steps to run and the expected
 * outcome. Loaded from YAML by {@link ScenarioLoader}; adjusted by {@link Overrides}.
 *
 * @param name scenario name (the YAML {@code name}, or the file's base name when absent)
 * @param description free text ("" when absent)
 * @param machine machine keys (nulls take the preset's value)
 * @param driver driver keys (nulls take the defaults)
 * @param devices the devices, in file order
 * @param steps the steps, in file order
 * @param expect the expected outcome (by default and per shadow strategy; see {@link #effectiveExpect})
 * @param source where it came from (file path, "builtin:NAME", ...), used in messages
 */
public record Scenario(
    String name,
    String description,
    MachineSpec machine,
    DriverSpec driver,
    List<DeviceSpec> devices,
    List<Step> steps,
    Expect expect,
    String source) {

  public Scenario {
    devices = List.copyOf(devices);
    steps = List.copyOf(steps);
  }

  /** The device with this id, or null. */
  public DeviceSpec device(String id) {
    for (DeviceSpec d : devices) {
      if (d.id().equals(id)) return d;
    }
    return null;
  }

  /**
   * The expectation this scenario is judged by: its {@code expect} block's entry for the shadow
   * strategy it runs under ({@code machine.shadow-sync}, default iova-tree) — or for {@code qemu} when
   * {@code machine.backend} is qemu — else the block's default.
   */
  public Expect effectiveExpect() {
    return (expect == null ? Expect.PASSES : expect).forStrategy(expectColumn());
  }

  /** The {@code expect.per-strategy} key this run is judged under: the strategy, or {@code qemu}. */
  public String expectColumn() {
    return machine.backendOrDefault() == io.vtdsim.harness.machine.Backend.QEMU ? Vocabulary.QEMU_COLUMN
        : machine.shadowSyncOrDefault().label();
  }

  public Scenario withMachine(MachineSpec m) {
    return new Scenario(name, description, m, driver, devices, steps, expect, source);
  }

  public Scenario withDriver(DriverSpec d) {
    return new Scenario(name, description, machine, d, devices, steps, expect, source);
  }

  public Scenario withExpect(Expect e) {
    return new Scenario(name, description, machine, driver, devices, steps, e, source);
  }

  public Scenario withDevices(List<DeviceSpec> d) {
    return new Scenario(name, description, machine, driver, d, steps, expect, source);
  }

  public Scenario withName(String n) {
    return new Scenario(n, description, machine, driver, devices, steps, expect, source);
  }

  public Scenario withDescription(String d) {
    return new Scenario(name, d, machine, driver, devices, steps, expect, source);
  }
}
