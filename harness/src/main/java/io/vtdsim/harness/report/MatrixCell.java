package io.vtdsim.harness.report;

import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run of the matrix: a scenario under one shadow strategy, driver preset and flush policy, with
 * the other assignments that produced it.
 *
 * @param scenario scenario name
 * @param strategy shadow strategy ({@code machine.shadow-sync})
 * @param driver driver preset
 * @param flush flush policy
 * @param settings the {@code --set} and {@code --sweep} assignments of this run besides the three
 *     above, key → value as typed ({@code parameters.size → 8KiB}), in command-line order
 * @param result the run
 */
public record MatrixCell(String scenario, String strategy, String driver, String flush, Map<String, String> settings,
    ScenarioResult result) {
  public MatrixCell {
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  public MatrixCell(String scenario, String strategy, String driver, String flush, ScenarioResult result) {
    this(scenario, strategy, driver, flush, Map.of(), result);
  }

  /** The DMA API mode the run's driver used ({@code driver.dma-mode}). */
  public String dmaMode() {
    return result.scenario().driver().dmaModeOrDefault();
  }

  /** The host IOMMU model ({@code machine.host}). */
  public String host() {
    return result.scenario().machine().hostOrDefault().label();
  }

  /** CAP.MAMV the unit reported: {@code machine.mamv}, else the preset's. */
  public int mamv() {
    MachineSpec m = result.scenario().machine();
    return m.vtdConfig().cap().mamv();
  }

  /** Where the scenario came from: a file path or {@code builtin:NAME}. */
  public String file() {
    return result.scenario().source();
  }
  public long counter(String name) {
    Long v = result.counters().get(name);
    return v == null ? 0 : v;
  }

  /** MMIO exits: every trapped register access (reads + writes). */
  public long mmioExits() {
    return counter("mmio-reads") + counter("mmio-writes");
  }

  /** Context-cache invalidations of every granularity. */
  public long contextInvalidations() {
    return counter("desc-cc-global") + counter("desc-cc-domain") + counter("desc-cc-device");
  }

  public String outcome() {
    return OutcomeTag.of(result);
  }
}
