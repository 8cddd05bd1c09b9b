package io.vtdsim.harness.explore;

import io.vtdsim.harness.cli.CliRun;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.cli.Main;
import io.vtdsim.harness.cli.ScenarioCatalog;
import io.vtdsim.harness.cli.ScenarioExecutor;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Step;
import java.util.List;
import java.util.Map;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vtdsim explore} on the real harness: exit codes 0 / 1 / 2 and the shrunk scenario it prints. */
class ExploreCommandTest {
  @TempDir
  Path dir;

  private StringWriter out;
  private StringWriter err;

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return CliRun.execute(out, err, args);
  }

  @Test
  void noViolationExitsZero() {
    assertThat(run("explore", "--runs", "3", "--steps", "10")).as(err.toString()).isZero();
    assertThat(out.toString()).isEqualTo("no violation in 3 scenarios (seeds 1..3)\n");
    assertThat(err.toString()).startsWith("explore: seeds 1..3, 10 steps each\n...");
  }

  @Test
  void aViolationIsShrunkPrintedAndWrittenAndExitsOne() throws Exception {
    Path file = dir.resolve("min.yaml");
    int code = run("explore", "--seed", "1", "--runs", "5", "--set", "machine.shadow-sync=psi-only",
        "--set", "machine.mamv=4", "--shrink-runs", "60", "--out", file.toString());
    assertThat(code).as(err.toString()).isEqualTo(1);
    assertThat(err.toString()).contains("seed 1: violation").contains("shrunk for ");
    String yaml = Files.readString(file);
    assertThat(out.toString()).isEqualTo(yaml);
    assertThat(yaml).contains("shadow-sync: psi-only", "mamv: 4", "outcome: violation");
    assertThat(new ScenarioRunner().run(ScenarioLoader.parse(yaml, "min.yaml")).met()).isTrue();
  }

  @Test
  void invalidInputExitsTwo() {
    assertThat(run("explore", "--set", "machine.shadow-sync=nonsense")).isEqualTo(2);
    assertThat(err.toString()).contains("machine.shadow-sync").contains("nonsense");
    assertThat(run("explore", "--runs", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--runs");
    assertThat(run("explore", "--steps", "-1")).isEqualTo(2);
    assertThat(run("explore", "--base", dir.resolve("missing.yaml").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("missing.yaml");
    assertThat(run("explore", "--seed", "x")).isEqualTo(2);
    // QEMU refuses device assignment without caching mode: nothing to explore
    assertThat(run("explore", "--set", "machine.caching-mode=false")).isEqualTo(2);
    assertThat(err.toString()).contains("cannot be set up").contains("caching-mode");
  }

  @Test
  void aRunThatEndsInAnErrorIsShrunkToo() {
    // a stand-in harness that fails every scenario with a detach in it
    ScenarioExecutor failsOnDetach = (s, o) -> s.steps().stream().anyMatch(st -> st instanceof Step.Detach)
        ? new ScenarioResult(s, ScenarioResult.ERROR, false, List.of(), Map.of(), List.of(), "detach refused")
        : new ScenarioResult(s, ScenarioResult.PASS, true, List.of(), Map.of(), List.of(), null);
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cl = Main.commandLine(failsOnDetach, ScenarioCatalog.builtin());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("explore", "--runs", "20")).isEqualTo(1);
    assertThat(err.toString()).contains("error []: detach refused").contains("shrunk for error");
    Scenario shrunk = ScenarioLoader.parse(out.toString(), "out.yaml");
    // boot, attach, detach: the detach needs its device attached
    assertThat(shrunk.steps()).hasSize(3).last().isInstanceOf(Step.Detach.class);
  }

  @Test
  void aBaseScenarioGivesMachineDriverAndDevices() throws Exception {
    Path base = dir.resolve("base.yaml");
    Files.writeString(base, """
        name: base
        driver: { preset: linux-5.18 }
        devices: [{ id: eth, bdf: "00:07.0", kind: assigned }]
        steps: [boot]
        """);
    assertThat(run("explore", "--base", base.toString(), "--runs", "2", "--steps", "8")).as(err.toString()).isZero();
  }
}
