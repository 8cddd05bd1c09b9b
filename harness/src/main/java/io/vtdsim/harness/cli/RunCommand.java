package io.vtdsim.harness.cli;

import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.EventText;
import io.vtdsim.harness.report.JsonReport;
import io.vtdsim.harness.report.JunitReport;
import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.report.OutcomeTag;
import io.vtdsim.harness.report.ProtocolTrace;
import io.vtdsim.harness.report.SequenceDiagram;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code run FILE... | --builtin NAME}: runs scenarios, prints one verdict each, writes the reports asked for. */
@Command(name = "run", description = "Run scenarios and check them against their expect.",
    mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
  /** Violations printed per scenario on the terminal (the JSON has them all). */
  static final int SHOWN_VIOLATIONS = 10;

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Mixin
  ScenarioSelection selection;

  @Option(names = "--json", paramLabel = "FILE", description = "write the results as JSON")
  Path json;

  @Option(names = "--trace", paramLabel = "FILE", description = "write the protocol trace (one line per event)")
  Path trace;

  @Option(names = "--diagram", paramLabel = "FILE", description = "write a Mermaid sequence diagram (Markdown)")
  Path diagram;

  @Option(names = "--junit", paramLabel = "FILE", description = "write the results as JUnit XML (for CI dashboards)")
  Path junit;

  @Option(names = "--steps", paramLabel = "A..B", description = "draw only steps A to B in the --diagram (or one step: A)")
  String steps;

  @Option(names = "--html", paramLabel = "DIR", description = "write the HTML report of these runs (DIR/index.html)")
  Path html;

  @Override
  public Integer call() {
    OutputFile.check(json, "--json");
    OutputFile.check(trace, "--trace");
    OutputFile.check(diagram, "--diagram");
    List<Scenario> scenarios = selection.load(main.catalog);
    PrintWriter out = spec.commandLine().getOut();
    List<ScenarioResult> results = new ArrayList<>();
    for (Scenario s : scenarios) {
      ScenarioResult r = main.executor.run(s, selection.options());
      results.add(r);
      print(out, r);
    }
    out.flush();
    if (json != null) write(json, "--json", JsonReport.render(results));
    if (junit != null) write(junit, "--junit", JunitReport.render(results));
    if (trace != null) {
      StringBuilder sb = new StringBuilder();
      for (ScenarioResult r : results) {
        sb.append(new ProtocolTrace(eventText(r.scenario())).render(r.scenario().name(), r.events()));
      }
      write(trace, "--trace", sb.toString());
    }
    if (diagram != null) {
      StringBuilder sb = new StringBuilder();
      for (ScenarioResult r : results) {
        if (sb.length() > 0) sb.append('\n');
        int[] range = StepRange.parse(steps);
        sb.append(new SequenceDiagram(eventText(r.scenario())).render(r.scenario().name(),
            SequenceDiagram.steps(r.events(), range[0], range[1]),
            r.scenario().machine().shadowSyncOrDefault().label(), r.violations()));
      }
      write(diagram, "--diagram", sb.toString());
    }
    if (html != null) {
      List<MatrixCell> cells = new ArrayList<>();
      List<String> strategies = new ArrayList<>();
      for (ScenarioResult r : results) {
        Scenario s = r.scenario();
        cells.add(new MatrixCell(s.name(), s.machine().shadowSyncOrDefault().label(), s.driver().presetOrDefault(),
            s.driver().flushOrDefault(), r));
        String strategy = s.machine().shadowSyncOrDefault().label();
        if (!strategies.contains(strategy)) strategies.add(strategy);
      }
      HtmlOutput.write(html, "vtdsim run", cells, strategies, null, spec.commandLine().getErr());
    }
    return results.stream().allMatch(ScenarioResult::met) ? ExitCodes.MET : ExitCodes.NOT_MET;
  }

  static EventText eventText(Scenario s) {
    return EventText.forScenario(s);
  }

  /**
   * {@code ok    name: pass [ok] (expected pass)}, then (not on the model) the machine that ran, up to ten violations, one line per lazy-mode
   * stale window and the non-zero counters, indented.
   */
  static void print(PrintWriter out, ScenarioResult r) {
    Scenario s = r.scenario();
    Expect e = s.effectiveExpect();
    String expected = e.outcome() + (e.violations().isEmpty() ? "" : " " + e.violations());
    out.printf("%-5s %s: %s [%s] (expected %s)%n", r.met() ? "ok" : "FAIL", s.name(), r.outcome(), OutcomeTag.of(r),
        expected);
    if (!r.machine().equals(ScenarioResult.MODEL)) out.println("      machine: " + r.machine());
    if (r.outcome().equals(ScenarioResult.EMULATOR_CRASH)) out.println("      emulator crash: " + r.error());
    else if (r.outcome().equals(ScenarioResult.TIMEOUT)) out.println("      " + r.error());
    else if (r.error() != null) out.println("      setup error: " + r.error());
    List<Violation> vs = r.violations();
    for (int i = 0; i < Math.min(vs.size(), SHOWN_VIOLATIONS); i++) {
      Violation v = vs.get(i);
      out.printf("      %s at step %d (%s): %s%n", v.kind(), v.step(), v.stepText(), detail(v));
    }
    if (vs.size() > SHOWN_VIOLATIONS) out.printf("      ... %d more violations%n", vs.size() - SHOWN_VIOLATIONS);
    for (StaleWindow w : r.lazyStaleWindows()) out.println("      " + EventText.staleWindow(w));
    StringBuilder counters = new StringBuilder();
    for (Map.Entry<String, Long> c : r.counters().entrySet()) {
      if (c.getValue() != 0) counters.append(counters.length() == 0 ? "" : ", ").append(c.getKey()).append(' ').append(c.getValue());
    }
    if (counters.length() > 0) out.println("      counters: " + counters);
  }

  private static String detail(Violation v) {
    String where = (v.device().isEmpty() ? "" : v.device() + " ")
        + (v.size() > 0 ? String.format("iova 0x%x size 0x%x: ", v.iova(), v.size()) : "");
    return where + v.detail();
  }

  static void write(Path file, String option, String content) {
    OutputFile.write(file, option, content);
  }
}
