package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.report.MatrixTable;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code matrix}: scenarios × shadow strategies × driver presets × flush policies, as a table. */
@Command(name = "matrix", mixinStandardHelpOptions = true,
    description = "Run scenarios under every combination of shadow strategy, driver preset and flush policy; "
        + "print the outcome and the costs of each run.")
final class MatrixCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--scenarios", split = ",", paramLabel = "NAME|FILE",
      description = "built-in names or YAML files (default: every built-in)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--strategies", split = ",", paramLabel = "NAME",
      description = "shadow strategies (default: psi-only,unmap-all-replay,iova-tree)")
  List<String> strategies = new ArrayList<>();

  @Option(names = "--drivers", split = ",", paramLabel = "PRESET",
      description = "driver presets (default: each scenario's own)")
  List<String> drivers = new ArrayList<>();

  @Option(names = "--flush", split = ",", paramLabel = "POLICY",
      description = "flush policies (default: each scenario's own)")
  List<String> flushes = new ArrayList<>();

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--csv", description = "CSV with every counter")
    boolean csv;

    @Option(names = "--markdown", description = "a Markdown table")
    boolean markdown;
  }

  @Option(names = "--threads", paramLabel = "N", description = "runs in parallel (default: available processors)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() {
    Threads.check(threads);
    List<Scenario> selected = new ArrayList<>();
    if (scenarios.isEmpty()) {
      for (String n : main.catalog.names()) selected.add(main.catalog.load(n));
    } else {
      for (String s : scenarios) selected.add(isFile(s) ? ScenarioLoader.load(Path.of(s)) : ScenarioSelection.builtin(main.catalog, s, "--scenarios"));
    }
    List<String> strats = strategies.isEmpty() ? Vocabulary.SHADOW_SYNCS : check("--strategies", strategies, Vocabulary.SHADOW_SYNCS);
    check("--drivers", drivers, Vocabulary.DRIVER_PRESETS);
    check("--flush", flushes, Vocabulary.FLUSH_POLICIES);
    int total = selected.size() * strats.size() * Math.max(1, drivers.size()) * Math.max(1, flushes.size());
    PrintWriter err = spec.commandLine().getErr();
    List<MatrixCell> cells = new MatrixRunner(main.executor, threads)
        .run(selected, strats, drivers, flushes, ProgressBar.forTerminal(err, total));
    PrintWriter out = spec.commandLine().getOut();
    if (format.csv) {
      out.print(MatrixTable.csv(cells));
    } else if (format.markdown) {
      out.print(MatrixTable.markdown(cells));
    } else {
      out.print(MatrixTable.text(cells));
      out.println();
      out.println(MatrixTable.summary(cells));
    }
    out.flush();
    return ExitCodes.MET;
  }

  private static boolean isFile(String s) {
    return s.endsWith(".yaml") || s.endsWith(".yml") || Files.isRegularFile(Path.of(s));
  }

  private static List<String> check(String option, List<String> given, List<String> allowed) {
    for (String g : given) {
      if (!allowed.contains(g)) {
        throw new ScenarioException(option, 0, g, "unknown value; expected one of: " + String.join(", ", allowed));
      }
    }
    return given;
  }
}
