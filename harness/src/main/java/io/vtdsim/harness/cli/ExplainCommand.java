package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.Explanation;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code explain FILE | --builtin NAME}: a step-by-step account of one scenario, for teaching. */
@Command(name = "explain", mixinStandardHelpOptions = true,
    customSynopsis = "vtdsim explain [-hV] [--full-check] [--retain=N] [--timeout=DURATION] [--set=KEY=VALUE]... "
        + "(FILE | --builtin=NAME)",
    description = "Run one scenario (a FILE or one --builtin NAME) and tell, step by step, what the driver, the "
        + "VT-d unit, the shadow, the host and the devices did, and what the oracle concluded.")
final class ExplainCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "0..*", description = "the scenario YAML file (one, or --builtin)")
  List<Path> files = new ArrayList<>();

  @Option(names = "--builtin", paramLabel = "NAME", description = "a built-in scenario (see list) instead of a FILE")
  List<String> builtins = new ArrayList<>();

  @Mixin
  RunSettings settings;

  @Option(names = "--steps", paramLabel = "A..B", description = "tell only steps A to B (or one step: A)")
  String steps;

  @Override
  public Integer call() {
    int given = files.size() + builtins.size();
    if (given != 1) {
      throw new CliException("explain takes exactly one scenario (a FILE or --builtin NAME), got " + given);
    }
    ScenarioRef ref = !files.isEmpty() ? ScenarioRef.file(files.get(0)) : ScenarioRef.builtinNamed(builtins.get(0));
    Scenario s = ref.load(main.catalog, settings.sets);
    ScenarioResult r = main.executor.run(s, settings.options());
    PrintWriter out = spec.commandLine().getOut();
    int[] range = StepRange.parse(steps);
    out.print(new Explanation(RunCommand.eventText(s)).render(r, range[0], range[1]));
    out.flush();
    return r.met() ? ExitCodes.MET : ExitCodes.NOT_MET;
  }
}
