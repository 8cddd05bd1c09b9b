package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which scenarios a command runs: files and/or built-ins, with {@code --set} overrides applied to each. */
final class ScenarioSelection {
  @Parameters(paramLabel = "FILE", arity = "0..*", description = "scenario YAML files")
  List<Path> files = new ArrayList<>();

  @Option(names = "--builtin", paramLabel = "NAME", description = "a built-in scenario (see list); repeatable")
  List<String> builtins = new ArrayList<>();

  @Mixin
  RunSettings settings;

  RunOptions options() {
    return settings.options();
  }

  List<Scenario> load(ScenarioCatalog catalog) {
    if (files.isEmpty() && builtins.isEmpty()) {
      throw new CliException("no scenario given: name FILE... or --builtin NAME (see: list)");
    }
    List<Scenario> out = new ArrayList<>();
    for (Path f : files) out.add(ScenarioLoader.load(f));
    for (String b : builtins) out.add(builtin(catalog, b, "--builtin"));
    return applied(out, settings.sets);
  }

  static List<Scenario> applied(List<Scenario> scenarios, List<String> sets) {
    List<Scenario> applied = new ArrayList<>();
    for (Scenario s : scenarios) applied.add(Overrides.apply(s, sets));
    return applied;
  }

  /** The built-in {@code name}; an unknown name is an error naming {@code option}. */
  static Scenario builtin(ScenarioCatalog catalog, String name, String option) {
    if (!catalog.names().contains(name)) {
      throw new ScenarioException(option, 0, name,
          "unknown built-in scenario; known: " + String.join(", ", catalog.names()));
    }
    return catalog.load(name);
  }
}
