package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.report.MatrixTable;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.Vocabulary;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: every built-in scenario under the three shadow strategies, each with its own driver
 * settings — the table that answers the seed thread's question: which emulator strategy keeps assigned
 * device mappings right under which guest driver behaviour, and at what cost.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the built-in matrix (every built-in scenario x the three shadow strategies) and print "
        + "which strategy keeps mappings right under which driver behaviour, and at what cost.")
final class DemoCommand implements Callable<Integer> {
  static final String LEGEND = """
      How to read it: each row is a built-in scenario, i.e. one guest driver behaviour (Linux era, flush \
      policy, DMA mode), and each column a way for the emulator to keep the host IOMMU in step with the \
      guest's tables under caching mode. A cell shows what the oracle found after every step: "ok" means \
      the host mappings of every assigned device equalled the guest tables and the intent throughout; \
      otherwise the kinds of violation (STALE: the host still maps what the guest unmapped; MISSING: a guest \
      mapping never reached the host; TARGET/PERM: wrong address or permission; EEXIST/EINVAL/ENOENT: the \
      host rejected a call; FAULT/NOFAULT/DMA: a device access went wrong; IQE/TIMEOUT: the invalidation \
      protocol broke). Each scenario file declares the outcome it expects under each strategy (its \
      expect block: a default and per-strategy entries); a cell marked * did not turn out as declared, \
      and the lines under the table say what was declared and what was found. Rows with violations in \
      every column are driver bugs no strategy can hide. The cost \
      table counts, per run, MMIO exits (trapped register accesses), IOTLB invalidation descriptors \
      (page-selective/domain/global), host map+unmap calls (vfio ioctls) and page-table entries the \
      shadow walked: a strategy that is right but walks or calls the host far more often pays for it on \
      every invalidation.""";

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--threads", paramLabel = "N", description = "runs in parallel (default: available processors)")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--strategies", split = ",", paramLabel = "NAME",
      description = "columns: shadow strategies, and qemu for real QEMU (default: psi-only,unmap-all-replay,iova-tree)")
  List<String> strategies = new ArrayList<>(Vocabulary.SHADOW_SYNCS);

  @Option(names = "--full", description = "also print the full matrix table with every cost column")
  boolean full;

  @Option(names = "--html", paramLabel = "DIR", description = "also write the HTML report (DIR/index.html)")
  java.nio.file.Path html;

  @Override
  public Integer call() {
    Threads.check(threads);
    List<Scenario> scenarios = new ArrayList<>();
    for (String n : main.catalog.demoNames()) scenarios.add(main.catalog.load(n));
    for (String g : strategies) {
      if (!Vocabulary.EXPECT_COLUMNS.contains(g)) {
        throw new ScenarioException("--strategies", 0, g, "unknown value; expected one of: "
            + String.join(", ", Vocabulary.EXPECT_COLUMNS));
      }
    }
    PrintWriter err = spec.commandLine().getErr();
    MatrixRunner runner = new MatrixRunner(main.executor, threads);
    if (html != null) runner.withOptions(HtmlOutput.OPTIONS);
    List<MatrixCell> cells = runner.run(scenarios, strategies, List.of(), List.of(),
        ProgressBar.forTerminal(err, scenarios.size() * strategies.size()));
    PrintWriter out = spec.commandLine().getOut();
    out.println("Which shadow strategy keeps assigned-device mappings right, per guest driver behaviour");
    out.println();
    out.print(MatrixTable.outcomePivot(cells, strategies));
    out.print(MatrixTable.notAsDeclared(cells));
    out.println();
    out.println("Cost per run: MMIO exits / IOTLB descriptors (psi+dsi+global) / host map+unmap calls / walk entries");
    out.println();
    out.print(MatrixTable.costPivot(cells, strategies));
    if (full) {
      out.println();
      out.print(MatrixTable.text(cells));
    }
    out.println();
    out.println(MatrixTable.summary(cells));
    out.println();
    out.print(wrap(LEGEND, 100));
    out.flush();
    if (html != null) HtmlOutput.write(html, "vtdsim demo", cells, strategies, null, err);
    return ExitCodes.MET;
  }

  /** Greedy word wrap at {@code width} columns. */
  static String wrap(String text, int width) {
    StringBuilder sb = new StringBuilder();
    int col = 0;
    for (String word : text.split(" ")) {
      if (col > 0 && col + 1 + word.length() > width) {
        sb.append('\n');
        col = 0;
      } else if (col > 0) {
        sb.append(' ');
        col++;
      }
      sb.append(word);
      col += word.length();
    }
    return sb.append('\n').toString();
  }
}
