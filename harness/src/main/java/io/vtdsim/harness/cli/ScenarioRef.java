package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scenario named on the command line — a built-in or a YAML file — that can be loaded again with
 * other assignments: {@code parameters.NAME=V} go to the loader (they change the file's text, see
 * {@link ScenarioParameters}), every other {@code KEY=V} to {@link Overrides}.
 *
 * @param builtin the built-in's name, or null
 * @param file the file, or null
 */
record ScenarioRef(String builtin, Path file) {
  /** A file when the text ends in .yaml/.yml or names an existing file, else a built-in. */
  static ScenarioRef of(String nameOrFile) {
    boolean isFile = nameOrFile.endsWith(".yaml") || nameOrFile.endsWith(".yml") || Files.isRegularFile(Path.of(nameOrFile));
    return isFile ? new ScenarioRef(null, Path.of(nameOrFile)) : new ScenarioRef(nameOrFile, null);
  }

  static ScenarioRef file(Path file) {
    return new ScenarioRef(null, file);
  }

  static ScenarioRef builtinNamed(String name) {
    return new ScenarioRef(name, null);
  }

  /** "builtin:NAME" or the file path, as a scenario's source reads. */
  String source() {
    return file != null ? file.toString() : "builtin:" + builtin;
  }

  Scenario load(ScenarioCatalog catalog, List<String> assignments) {
    Map<String, String> parameters = new LinkedHashMap<>();
    List<String> rest = new ArrayList<>();
    String prefix = ScenarioParameters.KEY + ".";
    for (String a : assignments) {
      int eq = a.indexOf('=');
      String key = eq < 0 ? a : a.substring(0, eq).trim();
      if (key.startsWith(prefix)) {
        parameters.put(key.substring(prefix.length()), a.substring(eq + 1).trim());
      } else {
        rest.add(a);
      }
    }
    Scenario s = file != null ? ScenarioLoader.load(file, parameters) : ScenarioSelection.builtin(catalog, builtin, parameters);
    return Overrides.apply(s, rest);
  }
}
