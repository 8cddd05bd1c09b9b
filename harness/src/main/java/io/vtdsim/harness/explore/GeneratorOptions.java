package io.vtdsim.harness.explore;

import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Step;
import java.util.List;

/**
 * What {@link ScenarioGenerator} generates for: the machine, driver and devices of {@code base} (its
 * steps and expect are ignored) and the number of random steps after boot and the first attaches.
 */
public record GeneratorOptions(Scenario base, int steps) {
  public static final int DEFAULT_STEPS = 30;

  public GeneratorOptions {
    if (base == null) throw new IllegalArgumentException("a base scenario is required");
    if (base.devices().isEmpty()) throw new IllegalArgumentException("the base scenario declares no devices");
    if (steps < 0) throw new IllegalArgumentException("steps must be ≥ 0: " + steps);
  }

  /** The default base ({@link #defaultBase()}) with {@value #DEFAULT_STEPS} steps. */
  public static GeneratorOptions defaults() {
    return new GeneratorOptions(defaultBase(), DEFAULT_STEPS);
  }

  public GeneratorOptions withBase(Scenario b) {
    return new GeneratorOptions(b, steps);
  }

  public GeneratorOptions withSteps(int n) {
    return new GeneratorOptions(base, n);
  }

  /**
   * Default machine (qemu-7.2 with 2M and 1G superpages, iova-tree, vfio-type1), linux-6.12 strict,
   * two assigned devices ({@code nic} 00:03.0, {@code gpu} 00:05.0) and an emulated one ({@code disk}
   * 00:04.0).
   */
  public static Scenario defaultBase() {
    return new Scenario("explore", "", MachineSpec.DEFAULTS, DriverSpec.DEFAULTS,
        List.of(new DeviceSpec("nic", "00:03.0", DeviceSpec.ASSIGNED),
            new DeviceSpec("gpu", "00:05.0", DeviceSpec.ASSIGNED),
            new DeviceSpec("disk", "00:04.0", DeviceSpec.EMULATED)),
        List.of(new Step.Boot(0)), Expect.PASSES, "explore:defaults");
  }
}
