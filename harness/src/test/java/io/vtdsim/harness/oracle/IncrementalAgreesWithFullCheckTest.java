package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.explore.GeneratorOptions;
import io.vtdsim.harness.explore.ScenarioGenerator;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import io.vtdsim.harness.scenario.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The incremental check (only the ranges a step touched) must find, step for step, exactly what
 * comparing whole address spaces after every step finds: the same violations (kind, step, device,
 * IOVA, size) in the same order. The full comparison needs no bookkeeping, so any range the
 * incremental check forgets to touch shows up here as a violation found late or never. Checked on
 * every built-in under every strategy and on generated scenarios under strategies and MAMVs that
 * produce stale and missing mappings.
 */
class IncrementalAgreesWithFullCheckTest {
  static final int GENERATED = 12;

  static List<Arguments> builtins() {
    List<Arguments> out = new ArrayList<>();
    for (String name : BuiltinScenarios.names()) {
      for (String strategy : Vocabulary.SHADOW_SYNCS) {
        out.add(Arguments.of(name + " × " + strategy,
            Overrides.apply(BuiltinScenarios.load(name), List.of("machine.shadow-sync=" + strategy))));
      }
    }
    return out;
  }

  static List<Arguments> generated() {
    List<Arguments> out = new ArrayList<>();
    List<List<String>> machines = List.of(List.of(), List.of("machine.shadow-sync=psi-only", "machine.mamv=4"),
        List.of("machine.shadow-sync=unmap-all-replay"), List.of("driver.preset=linux-5.10", "driver.dma-mode=lazy"),
        List.of("machine.superpages=", "machine.aw-bits=39"));
    for (List<String> sets : machines) {
      GeneratorOptions options = new GeneratorOptions(Overrides.apply(GeneratorOptions.defaultBase(), sets), 40);
      for (long seed = 1; seed <= GENERATED; seed++) {
        out.add(Arguments.of("seed " + seed + " " + sets, new ScenarioGenerator(seed, options).generate()));
      }
    }
    return out;
  }

  private static List<String> verdicts(ScenarioResult r) {
    return r.violations().stream()
        .map(v -> v.step() + " " + v.kind() + " " + v.device() + " " + Long.toHexString(v.iova()) + "+" + v.size())
        .toList();
  }

  private static void agree(Scenario s) {
    RunOptions o = RunOptions.defaults().withEventRetention(0);
    ScenarioResult incremental = new ScenarioRunner().run(s, o);
    ScenarioResult full = new ScenarioRunner().run(s, o.withFullCheckEveryStep(true));
    assertThat(incremental.error()).isEqualTo(full.error());
    assertThat(verdicts(incremental)).isEqualTo(verdicts(full));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builtins")
  void onEveryBuiltinUnderEveryStrategy(String what, Scenario s) {
    agree(s);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("generated")
  void onGeneratedScenarios(String what, Scenario s) {
    agree(s);
  }
}
