package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.BackendDiff;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
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
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code diff FILE... | --builtin NAME}: each scenario on the model (the strategy QEMU implements,
 * iova-tree, the machine preset of that QEMU's version, {@code machine.fidelity: qemu}) and on real
 * QEMU, and where they differ.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Run each scenario on the model (iova-tree, the preset of that QEMU) and on real QEMU, and report"
        + " step by step where they differ: host map/unmap calls, host mappings after each step, oracle verdicts,"
        + " fault records and DMA.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the model and QEMU agree on every scenario", "1:they differ on at least one",
        "2:invalid input (a scenario QEMU cannot run is reported and the others compared), or no usable QEMU"})
final class DiffCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Mixin
  ScenarioSelection selection;

  @Option(names = "--json", paramLabel = "FILE", description = "write the comparison as JSON")
  Path json;

  @Override
  public Integer call() {
    List<Scenario> scenarios = selection.load(main.catalog);
    PrintWriter out = spec.commandLine().getOut();
    List<BackendDiff.Result> results = new ArrayList<>();
    List<String> impossible = new ArrayList<>();
    for (Scenario s : scenarios) {
      Scenario qemu;
      try {
        qemu = Overrides.apply(s, List.of("machine.backend=qemu"));
      } catch (ScenarioException e) {
        // reported, and the others still compared; the exit status says the input was not all runnable
        impossible.add(e.getMessage());
        spec.commandLine().getErr().println(e.getMessage());
        continue;
      }
      ScenarioResult onQemu = main.executor.run(qemu, selection.options());
      Scenario model = BackendDiff.modelCounterpart(s, onQemu.machine());
      ScenarioResult onModel = main.executor.run(model, selection.options());
      BackendDiff.Result r = BackendDiff.compare(onModel, onQemu, BackendDiff.label(model));
      results.add(r);
      out.print(BackendDiff.text(r));
      out.flush();
    }
    if (json != null) RunCommand.write(json, "--json", BackendDiff.json(results));
    if (!impossible.isEmpty()) return ExitCodes.INVALID_INPUT;
    return results.stream().allMatch(BackendDiff.Result::agree) ? ExitCodes.MET : ExitCodes.NOT_MET;
  }
}
