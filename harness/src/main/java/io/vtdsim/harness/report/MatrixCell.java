package io.vtdsim.harness.report;

import io.vtdsim.harness.scenario.ScenarioResult;

/**
 * One run of the matrix: a scenario under one shadow strategy, driver preset and flush policy.
 *
 * @param scenario scenario name
 * @param strategy shadow strategy ({@code machine.shadow-sync})
 * @param driver driver preset
 * @param flush flush policy
 * @param result the run
 */
public record MatrixCell(String scenario, String strategy, String driver, String flush, ScenarioResult result) {
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
