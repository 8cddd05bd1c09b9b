package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.CostPlot;
import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.report.MatrixTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code report --html DIR}: runs a matrix (as {@code matrix}) and writes it as one HTML page. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Run a matrix (default: every built-in under the three strategies) and write one self-contained "
        + "HTML page: the outcome per run with a drill-down per cell (violations, costs, the sequence diagram, "
        + "the step-by-step account) and, for a --sweep, cost plots.")
final class ReportCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Mixin
  MatrixAxes axes;

  @Option(names = "--html", paramLabel = "DIR", required = true, description = "the directory to write index.html into")
  Path html;

  @Override
  public Integer call() {
    List<Sweep> sweeps = axes.axes();
    List<MatrixRunner.Variant> variants = axes.variants(main.catalog);
    PrintWriter err = spec.commandLine().getErr();
    List<MatrixCell> cells = new MatrixRunner(main.executor, axes.threads).withOptions(HtmlOutput.OPTIONS)
        .run(variants, ProgressBar.forTerminal(err, variants.size()));
    HtmlOutput.write(html, "vtdsim report", cells, axes.strategies(), sweeps.isEmpty() ? null : CostPlot.of(cells, sweeps.get(0).key()), err);
    PrintWriter out = spec.commandLine().getOut();
    out.println(MatrixTable.summary(cells));
    out.flush();
    return ExitCodes.MET;
  }
}
