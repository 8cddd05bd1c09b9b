package io.vtdsim.harness.explore;

import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Step;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@link ScenarioGenerator} generates for: the machine, driver and devices of {@code base} (its
 * steps and expect are ignored), the number of random steps after boot and the first attaches, and
 * which driver APIs the steps use.
 *
 * @param apis {@link #IOMMU_API} (map/unmap on domains), {@link #DMA_API} (dma-map/dma-unmap), or both
 *     (the default); DMAs, detaches, attaches and time advances come with either
 */
public record GeneratorOptions(Scenario base, int steps, Set<String> apis) {
  public static final int DEFAULT_STEPS = 30;
  /** {@code --apis iommu}: the IOMMU API (iommu_map/iommu_unmap on a domain), as VFIO or a GPU driver uses it. */
  public static final String IOMMU_API = "iommu";
  /** {@code --apis dma}: the DMA API (dma_map_single/dma_unmap_single), as an ordinary device driver uses it. */
  public static final String DMA_API = "dma";
  public static final List<String> APIS = List.of(IOMMU_API, DMA_API);
  public static final Set<String> ALL_APIS = Set.of(IOMMU_API, DMA_API);

  public GeneratorOptions {
    if (base == null) throw new IllegalArgumentException("a base scenario is required");
    if (base.devices().isEmpty()) throw new IllegalArgumentException("the base scenario declares no devices");
    if (steps < 0) throw new IllegalArgumentException("steps must be ≥ 0: " + steps);
    apis = Set.copyOf(apis);
    if (apis.isEmpty() || !APIS.containsAll(apis)) {
      throw new IllegalArgumentException("apis must be one or more of " + APIS + ": " + apis);
    }
  }

  public GeneratorOptions(Scenario base, int steps) {
    this(base, steps, ALL_APIS);
  }

  /**
   * The {@code --apis} value: {@code iommu}, {@code dma} or {@code iommu,dma}.
   *
   * @throws IllegalArgumentException naming the unknown part
   */
  public static Set<String> parseApis(String text) {
    Set<String> out = new TreeSet<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      if (!APIS.contains(p)) {
        throw new IllegalArgumentException("unknown API '" + p + "' (expected " + String.join(", ", APIS)
            + ", or both comma-separated)");
      }
      out.add(p);
    }
    return out;
  }

  public boolean iommuApi() {
    return apis.contains(IOMMU_API);
  }

  public boolean dmaApi() {
    return apis.contains(DMA_API);
  }

  public GeneratorOptions withApis(Set<String> a) {
    return new GeneratorOptions(base, steps, a);
  }

  /** The default base ({@link #defaultBase()}) with {@value #DEFAULT_STEPS} steps. */
  public static GeneratorOptions defaults() {
    return new GeneratorOptions(defaultBase(), DEFAULT_STEPS);
  }

  public GeneratorOptions withBase(Scenario b) {
    return new GeneratorOptions(b, steps, apis);
  }

  public GeneratorOptions withSteps(int n) {
    return new GeneratorOptions(base, n, apis);
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
