package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Scenario;
import java.util.List;

/** The built-in scenarios as the CLI sees them (tests substitute their own). */
public interface ScenarioCatalog {
  List<String> names();

  Scenario load(String name);

  /** One line about the scenario. */
  String summary(String name);

  /** The scenarios shipped in the jar ({@link BuiltinScenarios}). */
  static ScenarioCatalog builtin() {
    return new ScenarioCatalog() {
      @Override
      public List<String> names() {
        return BuiltinScenarios.names();
      }

      @Override
      public Scenario load(String name) {
        return BuiltinScenarios.load(name);
      }

      @Override
      public String summary(String name) {
        return BuiltinScenarios.summary(name);
      }
    };
  }
}
