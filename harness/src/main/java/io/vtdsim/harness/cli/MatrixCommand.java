package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.CostPlot;
import io.vtdsim.harness.report.JsonReport;
import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.report.MatrixTable;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.Vocabulary;
import java.io.IOException;
import java.io.PrintWriter;
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
    description = "Run scenarios under every combination of shadow strategy, driver preset, flush policy and "
        + "swept settings; print the outcome, the configuration and the costs of each run.")
final class MatrixCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--scenarios", split = ",", paramLabel = "NAME|FILE",
      description = "built-in names or YAML files (default: every built-in)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--strategies", split = ",", paramLabel = "NAME",
      description = "shadow strategies, and qemu for a column on real QEMU (default: psi-only,unmap-all-replay,iova-tree)")
  List<String> strategies = new ArrayList<>();

  @Option(names = "--drivers", split = ",", paramLabel = "PRESET",
      description = "driver presets (default: each scenario's own)")
  List<String> drivers = new ArrayList<>();

  @Option(names = "--flush", split = ",", paramLabel = "POLICY",
      description = "flush policies (default: each scenario's own)")
  List<String> flushes = new ArrayList<>();

  @Option(names = "--dma-modes", split = ",", paramLabel = "MODE",
      description = "DMA API modes, an axis (strict, lazy; default: each scenario's own)")
  List<String> dmaModes = new ArrayList<>();

  @Option(names = "--hosts", split = ",", paramLabel = "HOST",
      description = "host IOMMU models, an axis (vfio-type1, iommufd; default: each scenario's own)")
  List<String> hosts = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override a key in every run, as run --set (machine.mamv=17, parameters.size=1GiB); repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--sweep", paramLabel = "KEY=VALUES",
      description = "an axis over any --set key: a list (machine.mamv=16,18,20) or a range FROM..TO*F or "
          + "FROM..TO+S (parameters.size=8KiB..4GiB*2); repeatable, every combination runs")
  List<String> sweeps = new ArrayList<>();

  @Option(names = "--plot", paramLabel = "FILE.svg|FILE.png",
      description = "plot host calls, walk entries and IOTLB descriptors against the first swept key, one line per strategy")
  Path plot;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--csv", description = "CSV with every counter")
    boolean csv;

    @Option(names = "--markdown", description = "a Markdown table")
    boolean markdown;

    @Option(names = "--json", description = "JSON: one object per run with its configuration, outcome, violations and counters")
    boolean json;
  }

  @Option(names = "--threads", paramLabel = "N", description = "runs in parallel (default: available processors)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() {
    Threads.check(threads);
    List<ScenarioRef> refs = new ArrayList<>();
    if (scenarios.isEmpty()) {
      for (String n : main.catalog.names()) refs.add(ScenarioRef.builtinNamed(n));
    } else {
      for (String s : scenarios) refs.add(ScenarioRef.of(s));
      for (ScenarioRef ref : refs) {
        if (ref.builtin() != null && !main.catalog.names().contains(ref.builtin())) {
          throw new ScenarioException("--scenarios", 0, ref.builtin(),
              "unknown built-in scenario; known: " + String.join(", ", main.catalog.names()));
        }
      }
    }
    List<String> strats = strategies.isEmpty() ? Vocabulary.SHADOW_SYNCS : check("--strategies", strategies, Vocabulary.EXPECT_COLUMNS);
    check("--drivers", drivers, Vocabulary.DRIVER_PRESETS);
    check("--flush", flushes, Vocabulary.FLUSH_POLICIES);
    check("--dma-modes", dmaModes, Vocabulary.DMA_MODES);
    check("--hosts", hosts, Vocabulary.HOSTS);
    List<Sweep> axes = sweepAxes();
    if (plot != null && axes.isEmpty()) throw new CliException("--plot needs a --sweep (the plot's x axis)");
    if (plot != null && !CostPlot.writable(plot)) throw new CliException("--plot " + plot + ": the file must end in .svg or .png");
    List<MatrixRunner.Variant> variants = variants(main.catalog, refs, sets, axes, strats, drivers, flushes);
    PrintWriter err = spec.commandLine().getErr();
    List<MatrixCell> cells = new MatrixRunner(main.executor, threads)
        .run(variants, ProgressBar.forTerminal(err, variants.size()));
    PrintWriter out = spec.commandLine().getOut();
    if (format.csv) {
      out.print(MatrixTable.csv(cells));
    } else if (format.markdown) {
      out.print(MatrixTable.markdown(cells));
    } else if (format.json) {
      out.print(JsonReport.matrix(cells));
    } else {
      out.print(MatrixTable.text(cells));
      out.println();
      out.println(MatrixTable.summary(cells));
    }
    out.flush();
    if (plot != null) writePlot(CostPlot.of(cells, axes.get(0).key()));
    return ExitCodes.MET;
  }

  private void writePlot(CostPlot p) {
    try {
      p.write(plot);
    } catch (IOException e) {
      throw new CliException("--plot " + plot + ": cannot write: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
    }
  }

  /** The --sweep axes, then --dma-modes and --hosts as axes over their keys. */
  private List<Sweep> sweepAxes() {
    List<Sweep> axes = new ArrayList<>();
    for (String s : sweeps) axes.add(Sweep.parse(s));
    if (!dmaModes.isEmpty()) axes.add(new Sweep("driver.dma-mode", dmaModes));
    if (!hosts.isEmpty()) axes.add(new Sweep("machine.host", hosts));
    return axes;
  }

  /**
   * Scenario × sweep combination × strategy × driver × flush, each loaded with --set, the
   * combination and the axes applied in that order (so an axis wins over a --set of the same key).
   */
  static List<MatrixRunner.Variant> variants(ScenarioCatalog catalog, List<ScenarioRef> refs, List<String> sets,
      List<Sweep> axes, List<String> strats, List<String> drivers, List<String> flushes) {
    List<MatrixRunner.Variant> out = new ArrayList<>();
    for (ScenarioRef ref : refs) {
      for (List<String> combination : Sweep.combinations(axes)) {
        for (List<String> axis : MatrixRunner.axes(strats, drivers, flushes)) {
          List<String> all = new ArrayList<>(sets);
          all.addAll(combination);
          all.addAll(axis);
          out.add(MatrixRunner.variant(with -> ref.load(catalog, with), all));
        }
      }
    }
    return out;
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
