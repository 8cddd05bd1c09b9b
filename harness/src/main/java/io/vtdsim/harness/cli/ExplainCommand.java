package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.Explanation;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code explain FILE | --builtin NAME}: a step-by-step account of one scenario, for teaching. */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Run one scenario and tell, step by step, what the driver, the VT-d unit, the shadow, "
        + "the host and the devices did, and what the oracle concluded.")
final class ExplainCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Mixin
  ScenarioSelection selection;

  @Option(names = "--steps", paramLabel = "A..B", description = "tell only steps A to B (or one step: A)")
  String steps;

  @Override
  public Integer call() {
    List<Scenario> scenarios = selection.load(main.catalog);
    if (scenarios.size() != 1) throw new CliException("explain takes exactly one scenario, got " + scenarios.size());
    Scenario s = scenarios.get(0);
    ScenarioResult r = main.executor.run(s, selection.options());
    PrintWriter out = spec.commandLine().getOut();
    int[] range = StepRange.parse(steps);
    out.print(new Explanation(RunCommand.eventText(s)).render(r, range[0], range[1]));
    out.flush();
    return r.met() ? ExitCodes.MET : ExitCodes.NOT_MET;
  }
}
