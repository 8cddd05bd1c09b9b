package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.CostPlot;
import io.vtdsim.harness.report.HtmlReport;
import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.scenario.RunOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** {@code --html DIR} of report, matrix, demo and run: writes {@link HtmlReport} and says where. */
final class HtmlOutput {
  /** Events kept per run for the page's diagrams and explain texts. */
  static final RunOptions OPTIONS = RunOptions.defaults().withEventRetention(50_000);

  private HtmlOutput() {}

  static void write(Path dir, String title, List<MatrixCell> cells, List<String> strategies, CostPlot plot, PrintWriter err) {
    try {
      Path file = new HtmlReport(title, cells, strategies, plot).write(dir);
      err.println("wrote " + file);
      err.flush();
    } catch (IOException | UncheckedIOException e) {
      throw new CliException("--html " + dir + ": cannot write: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
    }
  }
}
