package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;

/** Runs one scenario; the CLI's seam to the harness (tests substitute canned results). */
@FunctionalInterface
public interface ScenarioExecutor {
  ScenarioResult run(Scenario scenario, RunOptions options);

  /** The real machine: {@link ScenarioRunner}. */
  static ScenarioExecutor harness() {
    return (s, o) -> new ScenarioRunner().run(s, o);
  }
}
