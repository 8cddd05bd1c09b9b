package io.vtdsim.harness.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.cli.CliRun;
import io.vtdsim.harness.cli.Main;
import io.vtdsim.harness.cli.ScenarioCatalog;
import io.vtdsim.harness.cli.ScenarioExecutor;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Step;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code explore}'s campaign options and {@code explore-merge}. */
class ExploreCampaignCommandTest {
  @TempDir
  Path dir;

  private StringWriter out;
  private StringWriter err;

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return CliRun.execute(out, err, args);
  }

  /** A stand-in harness that fails every scenario with a detach in it (an error at the detach). */
  private int runFailingOnDetach(String... args) {
    ScenarioExecutor failsOnDetach = (s, o) -> s.steps().stream().anyMatch(st -> st instanceof Step.Detach)
        ? new ScenarioResult(s, ScenarioResult.ERROR, false, List.of(), Map.of(), List.of(), "step 9 'detach nic': refused")
        : new ScenarioResult(s, ScenarioResult.PASS, true, List.of(), Map.of(), List.of(), null);
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cl = Main.commandLine(failsOnDetach, ScenarioCatalog.builtin());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void badCampaignArgumentsExitTwoWithAMessage() {
    assertThat(run("explore", "--shard", "3/2")).isEqualTo(2);
    assertThat(err.toString()).contains("--shard 3/2: I must be less than N");
    assertThat(run("explore", "--shard", "1/0")).isEqualTo(2);
    assertThat(err.toString()).contains("--shard 1/0: N must be at least 1");
    assertThat(run("explore", "--shard", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("--shard must be I/N");
    assertThat(run("explore", "--jobs", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--jobs must be at least 1, got 0");
    assertThat(run("explore", "--time", "-1s")).isEqualTo(2);
    assertThat(err.toString()).contains("--time must be a positive duration").contains("-1s");
    assertThat(run("explore", "--time", "0s")).isEqualTo(2);
    assertThat(err.toString()).contains("--time must be more than 0");
    assertThat(run("explore", "--time", "10")).isEqualTo(2);
    assertThat(run("explore", "--apis", "vfio")).isEqualTo(2);
    assertThat(err.toString()).contains("--apis vfio: unknown API 'vfio'");
    assertThat(run("explore", "--continue", "--out", dir.resolve("x.yaml").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--out-dir");
    assertThat(run("explore", "--out-dir", dir.resolve("missing").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("not a directory");
    assertThat(run("explore", "--json-lines", dir.resolve("no/such/dir/x.jsonl").toString())).isEqualTo(2);
    assertThat(Files.exists(dir.resolve("no"))).isFalse();
  }

  @Test
  void aTimeLimitStopsAnUnboundedCampaignAndTheSummaryIsPrinted() {
    assertThat(run("explore", "--time", "300ms", "--steps", "5")).as(err.toString()).isZero();
    assertThat(err.toString()).contains("stopped: time limit");
    Matcher m = Pattern.compile("no violation in (\\d+) scenarios \\(seeds 1\\.\\.(\\d+)\\)").matcher(out.toString());
    assertThat(m.find()).as(out.toString()).isTrue();
    assertThat(m.group(2)).isEqualTo(m.group(1));
  }

  @Test
  void shardsWrittenAsJsonLinesMergeIntoTheUnshardedTotals() throws Exception {
    Path whole = dir.resolve("whole.jsonl");
    assertThat(runFailingOnDetach("explore", "--runs", "30", "--steps", "12", "--continue", "--json-lines", whole.toString()))
        .isEqualTo(1);
    String unsharded = summaryOf(whole);
    List<String> files = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path f = dir.resolve("s" + i + ".jsonl");
      runFailingOnDetach("explore", "--runs", "30", "--steps", "12", "--continue", "--shard", i + "/3", "--jobs", "2",
          "--json-lines", f.toString());
      files.add(f.toString());
    }
    List<String> args = new ArrayList<>(List.of("explore-merge", "--out-dir", dir.toString()));
    args.addAll(files);
    assertThat(run(args.toArray(String[]::new))).as(err.toString()).isEqualTo(1);
    String first = out.toString().lines().findFirst().orElseThrow();
    assertThat(first).startsWith("merged 3 files (shards 0/3, 1/3, 2/3): " + unsharded);
    assertThat(out.toString()).contains("finding error@detach: seed ");
    // the merged finding is the unsharded one: same lowest seed
    assertThat(out.toString()).contains("seed " + lowestFailingSeed(whole) + ",");
    Path written = Files.list(dir).filter(p -> p.getFileName().toString().endsWith("-error-at-detach.yaml")).findFirst().orElseThrow();
    assertThat(ScenarioLoader.parse(Files.readString(written), "w.yaml").steps()).last().isInstanceOf(Step.Detach.class);

    // a shard twice, or a shard of another campaign, is refused
    assertThat(run("explore-merge", files.get(0), files.get(0))).isEqualTo(2);
    assertThat(err.toString()).contains(files.get(0) + ": given twice");
    Path copy = dir.resolve("copy.jsonl");
    Files.copy(Path.of(files.get(0)), copy);
    assertThat(run("explore-merge", files.get(0), copy.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(copy + ":1: shard: 0/3 is also in " + files.get(0));
    Path other = dir.resolve("other.jsonl");
    runFailingOnDetach("explore", "--runs", "30", "--steps", "11", "--shard", "1/3", "--json-lines", other.toString());
    assertThat(run("explore-merge", files.get(0), other.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(other + ":1: steps: 11 differs from 12");
    // a missing shard is said
    assertThat(run("explore-merge", files.get(0), files.get(1))).isEqualTo(1);
    assertThat(out.toString()).contains("incomplete: shards missing: 2/3");
  }

  @Test
  void mergeBlamesTheFileAndLineOfABadLine() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"type\":\"campaign\",\"version\":1,\"seed\":1,\"runs\":5,\"shard\":\"0/1\"}\nnot json\n");
    assertThat(run("explore-merge", bad.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(bad + ":2: not a JSON object");
    Files.writeString(bad, "{\"type\":\"campaign\",\"version\":1,\"seed\":1,\"runs\":5,\"shard\":\"0/1\"}\n");
    assertThat(run("explore-merge", bad.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(bad + ": no summary line");
    assertThat(run("explore-merge", dir.resolve("none.jsonl").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("none.jsonl: cannot read");
  }

  /** "N scenarios, S steps, F failing, D distinct finding(s)" of a single file, as explore-merge prints it. */
  private String summaryOf(Path file) {
    assertThat(run("explore-merge", file.toString())).isEqualTo(1);
    String line = out.toString().lines().findFirst().orElseThrow();
    return line.substring(line.indexOf("): ") + 3);
  }

  private static long lowestFailingSeed(Path file) throws Exception {
    Matcher m = Pattern.compile("\"type\":\"failure\",\"seed\":(\\d+)").matcher(Files.readString(file));
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1));
  }
}
