package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The counters and the oracle take the frequent kinds as facts (EventIntake) when the log retains
 * nothing, and as built events when it retains: a run must count and judge the same either way, and
 * the counters taken live must equal those counted afterwards from the retained log.
 */
class IntakeEquivalenceTest {
  @ParameterizedTest(name = "{0} under {1}")
  @CsvSource({
    "map-unmap-4k, iova-tree",
    "psi-to-dsi-fallback, psi-only",
    "psi-to-dsi-fallback, unmap-all-replay",
    "duplicate-psi, psi-only",
    "domain-switch, iova-tree",
    "superpage-split, unmap-all-replay",
    "no-map-flush-assigned, psi-only",
    "lazy-dsi-batching, iova-tree",
    "interrupt-window, psi-only",
    "psi-absent, iova-tree",
  })
  void factsAndRetainedEventsGiveTheSameCountersAndVerdicts(String name, String strategy) {
    Scenario s = Overrides.apply(BuiltinScenarios.load(name), List.of("machine.shadow-sync=" + strategy));
    ScenarioResult facts = new ScenarioRunner().run(s, RunOptions.defaults().withEventRetention(0));
    ScenarioResult events = new ScenarioRunner().run(s, RunOptions.defaults().withEventRetention(EventLog.UNBOUNDED));

    assertThat(facts.events()).isEmpty();
    // a run does work: counters that stayed zero would prove nothing
    assertThat(facts.counters().get(Counters.MMIO_WRITES)).isPositive();
    assertThat(facts.counters()).isEqualTo(events.counters());
    assertThat(Counters.of(events.events()).snapshot()).isEqualTo(events.counters());
    assertThat(facts.outcome()).isEqualTo(events.outcome());
    assertThat(facts.met()).isEqualTo(events.met());
    assertThat(facts.violations()).isEqualTo(events.violations());
    assertThat(facts.lazyStaleWindows()).isEqualTo(events.lazyStaleWindows());
  }
}
