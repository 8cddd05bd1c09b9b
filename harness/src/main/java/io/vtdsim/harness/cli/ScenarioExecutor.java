package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;

/** Runs one scenario; the CLI's seam to the harness (tests substitute canned results). */
@FunctionalInterface
public interface ScenarioExecutor {
  /** A run whose result keeps the event log (for traces, diagrams, explain). */
  ScenarioResult run(Scenario scenario);

  /** A run for a matrix cell: only outcome, violations and counters are used. */
  default ScenarioResult runForCounts(Scenario scenario) {
    return run(scenario);
  }

  /** The real machine: {@link ScenarioRunner}; matrix cells keep no events. */
  static ScenarioExecutor harness() {
    return new ScenarioExecutor() {
      @Override
      public ScenarioResult run(Scenario s) {
        return new ScenarioRunner().run(s);
      }

      @Override
      public ScenarioResult runForCounts(Scenario s) {
        return new ScenarioRunner().run(s, RunOptions.defaults().withEventRetention(0));
      }
    };
  }
}
