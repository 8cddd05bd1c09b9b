package io.vtdsim.harness.cli;

import io.vtdsim.harness.explore.GeneratorOptions;
import io.vtdsim.harness.explore.ScenarioGenerator;
import io.vtdsim.harness.explore.ScenarioWriter;
import io.vtdsim.harness.explore.Shrinker;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code explore}: runs generated scenarios (seeds seed..seed+runs-1); the first one with a violation
 * is shrunk and printed as YAML. Progress goes to stderr, the verdict and the scenario to stdout.
 */
@Command(name = "explore", mixinStandardHelpOptions = true,
    description = "Run random valid scenarios; shrink the first one that shows a violation to a minimal "
        + "replayable scenario and print it as YAML.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:no violation found", "1:a violation was found (and shrunk)", "2:invalid input (including a machine that cannot be set up)"})
final class ExploreCommand implements Callable<Integer> {
  /** Events kept per run: the explorer needs verdicts, not traces. */
  static final int RETAINED_EVENTS = 0;
  static final int DOTS_PER_LINE = 50;
  /** How {@code ScenarioRunner} begins the error of a machine it could not build. */
  static final String SETUP_ERROR = "setup: ";

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Option(names = "--seed", paramLabel = "N", description = "first seed (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--runs", paramLabel = "N", description = "scenarios to generate (default: ${DEFAULT-VALUE})")
  int runs = 100;

  @Option(names = "--steps", paramLabel = "N", description = "random steps per scenario (default: ${DEFAULT-VALUE})")
  int steps = GeneratorOptions.DEFAULT_STEPS;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override a machine or driver key of the base, e.g. machine.shadow-sync=psi-only; repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--base", paramLabel = "FILE",
      description = "take machine, driver and devices from this scenario (default: nic and gpu assigned, disk emulated)")
  Path base;

  @Option(names = "--shrink-runs", paramLabel = "N", description = "most runs spent shrinking (default: ${DEFAULT-VALUE})")
  int shrinkRuns = Shrinker.DEFAULT_MAX_RUNS;

  @Option(names = "--out", paramLabel = "FILE", description = "also write the shrunk scenario here")
  Path out;

  @Override
  public Integer call() {
    if (runs < 1) throw new CliException("--runs must be at least 1, got " + runs);
    if (steps < 0) throw new CliException("--steps must be 0 or more, got " + steps);
    if (shrinkRuns < 1) throw new CliException("--shrink-runs must be at least 1, got " + shrinkRuns);
    OutputFile.check(out, "--out");
    Scenario baseScenario = Overrides.apply(base != null ? ScenarioLoader.load(base) : GeneratorOptions.defaultBase(), sets);
    GeneratorOptions options;
    try {
      options = new GeneratorOptions(baseScenario, steps);
    } catch (IllegalArgumentException e) {
      throw new CliException("--base " + base + ": " + e.getMessage(), e);
    }
    RunOptions runOptions = RunOptions.defaults().withEventRetention(RETAINED_EVENTS);
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    err.printf("explore: seeds %d..%d, %d steps each%s%n", seed, seed + runs - 1, steps,
        sets.isEmpty() ? "" : " (" + String.join(", ", sets) + ")");
    for (int i = 0; i < runs; i++) {
      long s = seed + i;
      Scenario scenario = new ScenarioGenerator(s, options).generate();
      ScenarioResult r = main.executor.run(scenario, runOptions);
      if (ScenarioResult.PASS.equals(r.outcome())) {
        err.print(i % DOTS_PER_LINE == DOTS_PER_LINE - 1 ? ".\n" : ".");
        err.flush();
        continue;
      }
      if (r.error() != null && r.error().startsWith(SETUP_ERROR)) {
        // the base machine itself is refused (e.g. an assigned device without caching mode, as QEMU)
        throw new CliException("explore: the machine cannot be set up: " + r.error().substring(SETUP_ERROR.length()));
      }
      if (i % DOTS_PER_LINE != 0) err.println();
      err.printf("seed %d: %s %s%s%n", s, r.outcome(), r.violationKinds(), r.error() != null ? ": " + r.error() : "");
      err.flush();
      Shrinker.Result shrunk = new Shrinker(sc -> main.executor.run(sc, runOptions), shrinkRuns).shrink(scenario, r);
      err.printf("shrunk for %s: %d → %d steps in %d runs%n", shrunk.kind(), shrunk.originalSteps(),
          shrunk.scenario().steps().size(), shrunk.runs());
      err.flush();
      String yaml = new ScenarioWriter().write(shrunk.scenario());
      stdout.print(yaml);
      stdout.flush();
      if (out != null) RunCommand.write(out, "--out", yaml);
      return ExitCodes.NOT_MET;
    }
    if (runs % DOTS_PER_LINE != 0) err.println();
    err.flush();
    stdout.printf("no violation in %d scenarios (seeds %d..%d)%n", runs, seed, seed + runs - 1);
    stdout.flush();
    return ExitCodes.MET;
  }
}
