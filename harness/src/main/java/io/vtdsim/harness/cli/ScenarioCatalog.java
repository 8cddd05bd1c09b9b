package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioParameters;
import java.util.List;
import java.util.Map;

/** The built-in scenarios as the CLI sees them (tests substitute their own). */
public interface ScenarioCatalog {
  List<String> names();

  Scenario load(String name);

  /**
   * The scenario with values for its {@code parameters} block ({@link
   * io.vtdsim.harness.scenario.ScenarioParameters}); a catalog whose scenarios declare none takes
   * only an empty map.
   */
  default Scenario load(String name, Map<String, String> parameters) {
    if (parameters.isEmpty()) return load(name);
    throw new ScenarioException(Overrides.SOURCE, 0, ScenarioParameters.KEY + "." + parameters.keySet().iterator().next(),
        "the scenario " + name + " declares no parameters");
  }

  /** The scenario's YAML text, or null when it has none. */
  default String text(String name) {
    return null;
  }

  /** The scenarios the demo runs (default: all of {@link #names}). */
  default List<String> demoNames() {
    return names();
  }

  /** One line about the scenario. */
  String summary(String name);

  /** The scenario's whole description (default: the summary). */
  default String description(String name) {
    return summary(name);
  }

  /** The scenarios shipped in the jar ({@link BuiltinScenarios}). */
  static ScenarioCatalog builtin() {
    return new ScenarioCatalog() {
      @Override
      public List<String> names() {
        return BuiltinScenarios.names();
      }

      @Override
      public List<String> demoNames() {
        return BuiltinScenarios.shadowingNames();
      }

      @Override
      public Scenario load(String name) {
        return BuiltinScenarios.load(name);
      }

      @Override
      public Scenario load(String name, Map<String, String> parameters) {
        return BuiltinScenarios.load(name, parameters);
      }

      @Override
      public String text(String name) {
        return BuiltinScenarios.text(name);
      }

      @Override
      public String summary(String name) {
        return BuiltinScenarios.summary(name);
      }

      @Override
      public String description(String name) {
        return BuiltinScenarios.load(name).description();
      }
    };
  }
}
