package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.report.EventText;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In lazy mode "the stale window (steps and simulated time) is reported" — in run's output,
 * the JSON, explain, the trace and the diagram. The built-in lazy-dsi-batching scenario unmaps buffer a
 * (8 KiB) at step 6 and b (4 KiB) at step 7; Linux 5.10 keeps them in the flush queue until its 10 ms
 * timeout (Linux iova.c/dma-iommu.c IOVA_FQ_TIMEOUT), which falls inside the 20 ms advance of step 8. The DMA API allocates
 * IOVAs top-down from just below 4 GiB (linux-6.1-trace.md §4): a at 0xffffe000, then b at 0xffffd000.
 */
class StaleWindowReportTest {
  static final String LINE_A = "stale window nic iova 0xffffe000 size 8KiB: stayed mapped in the host from step 6 "
      + "to step 8 (10ms) while queued for a lazy flush";
  static final String LINE_B = "stale window nic iova 0xffffd000 size 4KiB: stayed mapped in the host from step 7 "
      + "to step 8 (10ms) while queued for a lazy flush";

  @TempDir
  Path dir;

  private final CliRun cli = new CliRun();

  private JsonNode scenario(Path json) throws Exception {
    return new ObjectMapper().readTree(Files.readString(json)).get("scenarios").get(0);
  }

  @Test
  void runPrintsOneLinePerStaleWindowAndTheJsonListsThem() throws Exception {
    Path json = dir.resolve("r.json");
    assertThat(cli.run("run", "--builtin", "lazy-dsi-batching", "--json", json.toString())).as(cli.err()).isZero();
    assertThat(cli.out().lines().map(String::strip)).contains(LINE_A, LINE_B);

    JsonNode windows = scenario(json).get("staleWindows");
    assertThat(windows).hasSize(2);
    for (JsonNode w : windows) {
      assertThat(w.fieldNames()).toIterable().containsExactly("device", "iova", "size", "fromStep", "toStep", "nanos");
    }
    List<Object[]> rows = new ArrayList<>();
    windows.forEach(w -> rows.add(new Object[] {w.get("device").asText(), w.get("iova").asText(),
        w.get("size").asLong(), w.get("fromStep").asInt(), w.get("toStep").asInt(), w.get("nanos").asLong()}));
    assertThat(rows).extracting(r -> tuple(r)).containsExactlyInAnyOrder(
        tuple("nic", "0xffffe000", 8192L, 6, 8, 10_000_000L),
        tuple("nic", "0xffffd000", 4096L, 7, 8, 10_000_000L));
  }

  @Test
  void theWindowsAreReportedWhateverTheEventRetention() throws Exception {
    Path json = dir.resolve("r.json");
    assertThat(cli.run("run", "--builtin", "lazy-dsi-batching", "--retain", "0", "--json", json.toString())).isZero();
    assertThat(scenario(json).get("staleWindows")).hasSize(2);
    assertThat(cli.out()).contains(LINE_A, LINE_B);
  }

  @Test
  void strictModeHasNoStaleWindows() throws Exception {
    Path json = dir.resolve("r.json");
    assertThat(cli.run("run", "--builtin", "map-unmap-4k", "--json", json.toString())).isZero();
    assertThat(scenario(json).get("staleWindows").isArray()).isTrue();
    assertThat(scenario(json).get("staleWindows")).isEmpty();
    assertThat(cli.out()).doesNotContain("stale window");
  }

  @Test
  void explainTraceAndDiagramTellTheWindowsAtTheStepThatClosedThem() throws Exception {
    assertThat(cli.run("explain", "--builtin", "lazy-dsi-batching")).isZero();
    String text = cli.out();
    String step8 = text.substring(text.indexOf("Step 8: advance 20ms"), text.indexOf("Step 9:"));
    assertThat(step8).contains("oracle  " + LINE_A, "oracle  " + LINE_B);

    Path trace = dir.resolve("t.txt");
    Path diagram = dir.resolve("d.md");
    assertThat(cli.run("run", "--builtin", "lazy-dsi-batching", "--trace", trace.toString(), "--diagram",
        diagram.toString())).isZero();
    assertThat(Files.readString(trace)).contains(LINE_A, LINE_B);
    assertThat(Files.readString(diagram)).contains("Note over Shadow,Host: stale window nic iova 0xffffe000 size 8KiB");
  }

  @Test
  void everyHarnessAndOracleEventOfARealRunReadsAsText() {
    // psi-only ignores the DSI: the run has steps, verdicts with violations, and stale windows
    var s = BuiltinScenarios.load("lazy-dsi-batching");
    ScenarioResult r = new ScenarioRunner().run(s.withMachine(s.machine().withShadowSync("psi-only")),
        RunOptions.defaults());
    EventText text = new EventText(VtdConfig.qemu72());
    List<Event> ours = r.events().stream()
        .filter(e -> e.kind().startsWith("harness.") || e.kind().startsWith("oracle.")).toList();
    assertThat(ours).extracting(Event::kind).contains("harness.step", "harness.verdict", "oracle.stale-window");
    for (Event e : ours) {
      // the fallback for unknown kinds prints "kind [source] text"
      assertThat(text.line(e)).as(e.toString()).doesNotStartWith(e.kind()).doesNotContain("{").doesNotContain("?");
    }
    assertThat(ours.stream().map(text::line)).contains("oracle after step 8: 1 violation (stale-mapping)");
  }

  @Test
  void theResultCarriesTheWindowsAsValues() {
    ScenarioResult r = new ScenarioRunner().run(BuiltinScenarios.load("lazy-dsi-batching"),
        RunOptions.defaults().withEventRetention(0));
    assertThat(r.events()).isEmpty();
    assertThat(r.lazyStaleWindows()).extracting(StaleWindow::device, StaleWindow::iova, StaleWindow::size,
        StaleWindow::fromStep, StaleWindow::toStep, StaleWindow::nanos).containsExactlyInAnyOrder(
        tuple("nic", 0xffffe000L, 0x2000L, 6, 8, 10_000_000L),
        tuple("nic", 0xffffd000L, 0x1000L, 7, 8, 10_000_000L));
    assertThat(r.lazyStaleWindows()).extracting(EventText::staleWindow).containsExactlyInAnyOrder(LINE_A, LINE_B);
  }
}
