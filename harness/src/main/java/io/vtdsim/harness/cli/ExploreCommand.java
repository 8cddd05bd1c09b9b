package io.vtdsim.harness.cli;

import io.vtdsim.harness.explore.Campaign;
import io.vtdsim.harness.explore.CampaignLog;
import io.vtdsim.harness.explore.GeneratorOptions;
import io.vtdsim.harness.explore.ScenarioWriter;
import io.vtdsim.harness.explore.Shrinker;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code explore}: runs generated scenarios over a share of a seed space ({@link Campaign}); the first
 * one with a violation (with {@code --continue}: the first of each distinct mechanism) is shrunk and
 * printed as YAML. Progress and the summary go to stderr, the verdict and the scenarios to stdout.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
    description = {"Run random valid scenarios; shrink the first one that shows a violation to a minimal "
        + "replayable scenario and print it as YAML.",
        "Campaigns: --time bounds the wall-clock time, --continue keeps going after a finding (one shrunk "
            + "scenario per distinct mechanism: violation kind @ step keyword, +lazy when the range waited in "
            + "the lazy flush queue), --jobs runs seeds in parallel (the seeds run do not depend on it), "
            + "--shard I/N takes every N-th seed from seed+I, --json-lines writes the result for explore-merge."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:no violation found", "1:a violation was found (and shrunk)",
        "2:invalid input (including a machine that cannot be set up)"})
final class ExploreCommand implements Callable<Integer> {
  /** Events kept per exploration run: the explorer needs verdicts, not traces. */
  static final int RETAINED_EVENTS = 0;
  /** Events kept per shrink run: enough for the shrinker to see the flush decisions of a generated scenario's steps. */
  static final int SHRINK_RETAINED_EVENTS = RunOptions.DEFAULT_EVENT_RETENTION;
  static final int DOTS_PER_LINE = 50;
  static final int DEFAULT_RUNS = 100;
  /** How {@code ScenarioRunner} begins the error of a machine it could not build. */
  static final String SETUP_ERROR = "setup: ";
  private static final Pattern TIME = Pattern.compile("([0-9]+)(ms|s|m|h)");
  private static final Pattern SHARD = Pattern.compile("([0-9]+)/([0-9]+)");

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--seed", paramLabel = "N", description = "first seed (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--runs", paramLabel = "N",
      description = "seeds in the space: seed..seed+N-1 (default: " + DEFAULT_RUNS + "; with --time: unbounded)")
  Long runs;

  @Option(names = "--steps", paramLabel = "N", description = "random steps per scenario (default: ${DEFAULT-VALUE})")
  int steps = GeneratorOptions.DEFAULT_STEPS;

  @Option(names = "--apis", paramLabel = "API[,API]",
      description = "driver APIs the random steps use: iommu (map/unmap on domains), dma (dma-map/dma-unmap), "
          + "or iommu,dma (default); linux-4.10 never flushes IOMMU-API maps, explore it with dma")
  String apis = "iommu,dma";

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override a machine or driver key of the base, e.g. machine.shadow-sync=psi-only; repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--base", paramLabel = "FILE",
      description = "take machine, driver and devices from this scenario (default: nic and gpu assigned, disk emulated)")
  Path base;

  @Option(names = "--time", paramLabel = "DURATION",
      description = "start no new seed after this wall-clock time, e.g. 30s, 10m, 1h (shrinking follows; the "
          + "summary is printed)")
  String time;

  @Option(names = "--continue", description = "keep going after a finding; shrink the first seed of each distinct mechanism")
  boolean keepGoing;

  @Option(names = {"--jobs", "--threads"}, paramLabel = "N",
      description = "worker threads (default: ${DEFAULT-VALUE}); the seeds run and the findings do not depend on N")
  int jobs = 1;

  @Option(names = "--shard", paramLabel = "I/N",
      description = "explore only shard I of N: seeds seed+I, seed+I+N, ... (0 ≤ I < N; default: 0/1)")
  String shard = "0/1";

  @Option(names = "--json-lines", paramLabel = "FILE",
      description = "write the result as JSON lines (campaign, failures, findings, summary) for explore-merge")
  Path jsonLines;

  @Option(names = "--shrink-runs", paramLabel = "N", description = "most runs spent shrinking each finding (default: ${DEFAULT-VALUE})")
  int shrinkRuns = Shrinker.DEFAULT_MAX_RUNS;

  @Option(names = "--out", paramLabel = "FILE", description = "also write the shrunk scenario here (without --continue)")
  Path out;

  @Option(names = "--out-dir", paramLabel = "DIR",
      description = "also write each shrunk scenario to DIR/seed-S-KIND-at-STEP.yaml (DIR must exist)")
  Path outDir;

  @Override
  public Integer call() {
    long timeNanos = time == null ? 0 : parseTime(time);
    if (runs != null && runs < 1) throw new CliException("--runs must be at least 1, got " + runs);
    long space = runs != null ? runs : time != null ? -1 : DEFAULT_RUNS;
    if (steps < 0) throw new CliException("--steps must be 0 or more, got " + steps);
    if (shrinkRuns < 1) throw new CliException("--shrink-runs must be at least 1, got " + shrinkRuns);
    if (jobs < 1) throw new CliException("--jobs must be at least 1, got " + jobs);
    int[] sh = parseShard(shard);
    Set<String> apiSet;
    try {
      apiSet = GeneratorOptions.parseApis(apis);
    } catch (IllegalArgumentException e) {
      throw new CliException("--apis " + apis + ": " + e.getMessage(), e);
    }
    if (out != null && keepGoing) throw new CliException("--out names one file: with --continue use --out-dir DIR");
    OutputFile.check(out, "--out");
    OutputFile.check(jsonLines, "--json-lines");
    if (outDir != null && !Files.isDirectory(outDir)) {
      throw new CliException("--out-dir " + outDir + ": not a directory (it must exist)");
    }
    Scenario baseScenario = Overrides.apply(base != null ? ScenarioLoader.load(base) : GeneratorOptions.defaultBase(), sets);
    GeneratorOptions options;
    try {
      options = new GeneratorOptions(baseScenario, steps, apiSet);
    } catch (IllegalArgumentException e) {
      throw new CliException("--base " + base + ": " + e.getMessage(), e);
    }
    Campaign.Options co = new Campaign.Options(seed, space < 0 ? null : space, timeNanos, jobs, sh[0], sh[1], keepGoing, shrinkRuns);
    RunOptions exploreRuns = RunOptions.defaults().withEventRetention(RETAINED_EVENTS);
    RunOptions shrinkOptions = RunOptions.defaults().withEventRetention(SHRINK_RETAINED_EVENTS);
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    err.printf("explore: seeds %s, %d steps each%s%n", seedText(co), steps, settings(co, apiSet));
    err.flush();
    Campaign campaign = new Campaign(co, options, sc -> main.executor.run(sc, exploreRuns),
        sc -> main.executor.run(sc, shrinkOptions), ExploreCommand::fatal, System::nanoTime);
    Progress progress = new Progress(err);
    Campaign.Summary summary;
    try {
      summary = campaign.run(progress);
    } catch (Campaign.Aborted e) {
      progress.endLine();
      throw new CliException("explore: " + e.getMessage(), e);
    }
    progress.endLine();
    ScenarioWriter writer = new ScenarioWriter();
    err.printf("explored %d scenario%s (seeds %s), %d steps in %s (%s steps/s, %d %s); stopped: %s; %d failing, %d distinct finding%s%n",
        summary.scenarios(), summary.scenarios() == 1 ? "" : "s", ranText(summary), summary.steps(), seconds(summary.exploreNanos()),
        rate(summary.steps(), summary.exploreNanos()), jobs, jobs == 1 ? "job" : "jobs", stopText(summary.stop()),
        summary.failures().size(), summary.findings().size(), summary.findings().size() == 1 ? "" : "s");
    err.flush();
    if (jsonLines != null) {
      OutputFile.write(jsonLines, "--json-lines", CampaignLog.write(new CampaignLog.Header(co, steps,
          String.join(",", apiSet), List.copyOf(sets), base == null ? null : base.toString(), time), summary, writer));
    }
    if (summary.findings().isEmpty()) {
      stdout.printf("no violation in %d scenarios (seeds %s)%n", summary.scenarios(), ranText(summary));
      stdout.flush();
      return ExitCodes.MET;
    }
    boolean firstDoc = true;
    for (Campaign.Finding f : summary.findings()) {
      if (f.shrunk() == null) continue;
      String yaml = writer.write(f.shrunk().scenario());
      if (!firstDoc) stdout.println("---");
      firstDoc = false;
      stdout.print(yaml);
      stdout.flush();
      if (out != null) OutputFile.write(out, "--out", yaml);
      if (outDir != null) {
        Path file = outDir.resolve(fileName(f));
        OutputFile.write(file, "--out-dir", yaml);
        err.println("wrote " + file);
        err.flush();
      }
    }
    return ExitCodes.NOT_MET;
  }

  /** {@code seed-5-stale-mapping-at-detach-lazy.yaml}. */
  static String fileName(Campaign.Finding f) {
    return "seed-" + f.seed() + "-" + f.mechanism().kind() + "-at-" + f.mechanism().step()
        + (f.mechanism().lazy() ? "-lazy" : "") + ".yaml";
  }

  private static String fatal(ScenarioResult r) {
    if (r.error() != null && r.error().startsWith(SETUP_ERROR)) {
      // the base machine itself is refused (e.g. an assigned device without caching mode, as QEMU)
      return "the machine cannot be set up: " + r.error().substring(SETUP_ERROR.length());
    }
    return null;
  }

  /** {@code --time}: a positive whole number with ms, s, m or h. */
  static long parseTime(String text) {
    Matcher m = TIME.matcher(text.trim());
    if (!m.matches()) {
      throw new CliException("--time must be a positive duration: a whole number with ms, s, m or h (e.g. 30s, 10m), got "
          + text);
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new CliException("--time " + text + ": too large", e);
    }
    long unit = switch (m.group(2)) {
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L;
    };
    if (n == 0) throw new CliException("--time must be more than 0, got " + text);
    if (n > Long.MAX_VALUE / unit) throw new CliException("--time " + text + ": too large");
    return n * unit;
  }

  /** {@code --shard I/N} → {I, N}. */
  static int[] parseShard(String text) {
    Matcher m = SHARD.matcher(text.trim());
    if (!m.matches()) throw new CliException("--shard must be I/N with 0 ≤ I < N (e.g. 0/4), got " + text);
    int i;
    int n;
    try {
      i = Integer.parseInt(m.group(1));
      n = Integer.parseInt(m.group(2));
    } catch (NumberFormatException e) {
      throw new CliException("--shard " + text + ": number too large", e);
    }
    if (n < 1) throw new CliException("--shard " + text + ": N must be at least 1");
    if (i >= n) throw new CliException("--shard " + text + ": I must be less than N (shards are 0/" + n + " to " + (n - 1) + "/" + n + ")");
    return new int[] {i, n};
  }

  private static String seedText(Campaign.Options o) {
    String range = o.runs() == null ? o.seed() + ".." : o.seed() + ".." + (o.seed() + o.runs() - 1);
    return range + (o.shardCount() > 1 ? " shard " + o.shardIndex() + "/" + o.shardCount() : "");
  }

  private String settings(Campaign.Options o, Set<String> apiSet) {
    List<String> parts = new ArrayList<>();
    if (time != null) parts.add("for " + time);
    if (jobs > 1) parts.add(jobs + " jobs");
    if (keepGoing) parts.add("--continue");
    if (!apiSet.equals(GeneratorOptions.ALL_APIS)) parts.add("apis " + String.join(",", apiSet));
    parts.addAll(sets);
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  /** The seeds a summary counts: {@code 1..100}, or {@code 1..99 shard 0/2}. */
  private static String ranText(Campaign.Summary s) {
    Campaign.Options o = s.options();
    String range = s.scenarios() == 0 ? "none" : o.seedAt(0) + ".." + s.lastSeed();
    return range + (o.shardCount() > 1 ? " shard " + o.shardIndex() + "/" + o.shardCount() : "");
  }

  private static String stopText(Campaign.Stop stop) {
    return switch (stop) {
      case SEEDS -> "all seeds run";
      case TIME -> "time limit";
      case FINDING -> "first finding";
    };
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  static String rate(long steps, long nanos) {
    return nanos <= 0 ? "-" : String.format(Locale.ROOT, "%.0f", steps * 1e9 / nanos);
  }

  /** Dots per clean run, a line per failing one, a line per shrunk finding. */
  private static final class Progress implements Campaign.Listener {
    private final PrintWriter err;
    private int column;

    Progress(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void ran(long seed, ScenarioResult r) {
      if (ScenarioResult.PASS.equals(r.outcome())) {
        column++;
        err.print(column == DOTS_PER_LINE ? ".\n" : ".");
        if (column == DOTS_PER_LINE) column = 0;
      } else {
        endLine();
        err.printf("seed %d: %s %s%s%n", seed, r.outcome(), r.violationKinds(), r.error() != null ? ": " + r.error() : "");
      }
      err.flush();
    }

    @Override
    public void shrunk(Campaign.Finding f) {
      endLine();
      if (f.shrunk() == null) {
        err.printf("seed %d: %s (not shrunk)%n", f.seed(), f.key());
      } else {
        Shrinker.Result s = f.shrunk();
        err.printf("shrunk for %s: %d → %d steps in %d runs (seed %d)%n", s.mechanism() != null ? s.mechanism() : s.kind(),
            s.originalSteps(), s.scenario().steps().size(), s.runs(), f.seed());
      }
      err.flush();
    }

    void endLine() {
      if (column != 0) err.println();
      column = 0;
      err.flush();
    }
  }
}
