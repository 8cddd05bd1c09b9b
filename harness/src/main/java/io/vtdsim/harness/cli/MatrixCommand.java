package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.CostPlot;
import io.vtdsim.harness.report.JsonReport;
import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.report.MatrixTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code matrix}: scenarios × sweeps × shadow strategies × driver presets × flush policies, as a table. */
@Command(name = "matrix", mixinStandardHelpOptions = true,
    description = "Run scenarios under every combination of shadow strategy, driver preset, flush policy and "
        + "swept settings; print the outcome, the configuration and the costs of each run.")
final class MatrixCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Mixin
  MatrixAxes axes;

  @Option(names = "--plot", paramLabel = "FILE.svg|FILE.png",
      description = "plot host calls, walk entries and IOTLB descriptors against the first swept key, one line per strategy")
  Path plot;

  @Option(names = "--html", paramLabel = "DIR", description = "also write the HTML report (DIR/index.html)")
  Path html;

  @ArgGroup(exclusive = true)
  Format format = new Format();

  static final class Format {
    @Option(names = "--csv", description = "CSV with the configuration and every counter")
    boolean csv;

    @Option(names = "--markdown", description = "a Markdown table")
    boolean markdown;

    @Option(names = "--json", description = "JSON: one object per run with its configuration, outcome, violations and counters")
    boolean json;
  }

  @Override
  public Integer call() {
    Threads.check(axes.threads);
    List<Sweep> sweeps = axes.axes();
    if (plot != null && sweeps.isEmpty()) throw new CliException("--plot needs a --sweep (the plot's x axis)");
    if (plot != null && !CostPlot.writable(plot)) throw new CliException("--plot " + plot + ": the file must end in .svg or .png");
    List<MatrixRunner.Variant> variants = axes.variants(main.catalog);
    PrintWriter err = spec.commandLine().getErr();
    MatrixRunner runner = new MatrixRunner(main.executor, axes.threads);
    if (html != null) runner.withOptions(HtmlOutput.OPTIONS);
    List<MatrixCell> cells = runner.run(variants, ProgressBar.forTerminal(err, variants.size()));
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
    CostPlot costs = sweeps.isEmpty() ? null : CostPlot.of(cells, sweeps.get(0).key());
    if (plot != null) writePlot(costs);
    if (html != null) HtmlOutput.write(html, "vtdsim matrix", cells, axes.strategies(), costs, err);
    return ExitCodes.MET;
  }

  private void writePlot(CostPlot p) {
    try {
      p.write(plot);
    } catch (IOException e) {
      throw new CliException("--plot " + plot + ": cannot write: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
    }
  }
}
