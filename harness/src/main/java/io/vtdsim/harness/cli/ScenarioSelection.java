package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  List<String> sets() {
    return settings.sets;
  }

  List<Scenario> load(ScenarioCatalog catalog) {
    if (files.isEmpty() && builtins.isEmpty()) {
      throw new CliException("no scenario given: name FILE... or --builtin NAME (see: list)");
    }
    List<Scenario> applied = new ArrayList<>();
    for (ScenarioRef ref : refs()) applied.add(ref.load(catalog, settings.sets));
    return applied;
  }

  /** The scenarios named, files first, without loading them. */
  List<ScenarioRef> refs() {
    List<ScenarioRef> out = new ArrayList<>();
    for (Path f : files) out.add(ScenarioRef.file(f));
    for (String b : builtins) out.add(ScenarioRef.builtinNamed(b));
    return out;
  }

  static Scenario builtin(ScenarioCatalog catalog, String name) {
    return builtin(catalog, name, Map.of());
  }

  static Scenario builtin(ScenarioCatalog catalog, String name, Map<String, String> parameters) {
    if (!catalog.names().contains(name)) {
      throw new ScenarioException("--builtin", 0, name,
          "unknown built-in scenario; known: " + String.join(", ", catalog.names()));
    }
    return catalog.load(name, parameters);
  }
}
