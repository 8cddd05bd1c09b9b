package io.vtdsim.harness.cli;

import io.vtdsim.emu.vtd.VtdConfig;
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
 * iova-tree, and the machine preset of that QEMU's version) and on real QEMU, and where they differ.
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Run each scenario on the model (iova-tree, the preset of that QEMU) and on real QEMU, and report"
        + " step by step where they differ: host map/unmap calls, host mappings after each step, oracle verdicts,"
        + " fault records and DMA.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the model and QEMU agree on every scenario", "1:they differ on at least one",
        "2:invalid input (a scenario QEMU cannot run is reported and the others compared), or no usable QEMU"})
final class DiffCommand implements Callable<Integer> {
  /** The strategy QEMU implements since 2018 (63b88968f1). */
  static final String QEMU_STRATEGY = "iova-tree";

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
      String preset = presetFor(onQemu.machine());
      Scenario model = Overrides.apply(s, List.of("machine.backend=model", "machine.shadow-sync=" + QEMU_STRATEGY,
          "machine.preset=" + preset));
      ScenarioResult onModel = main.executor.run(model, selection.options());
      BackendDiff.Result r = BackendDiff.compare(onModel, onQemu, "model (" + QEMU_STRATEGY + ", " + preset + ")");
      results.add(r);
      out.print(BackendDiff.text(r));
      out.flush();
    }
    if (json != null) RunCommand.write(json, "--json", BackendDiff.json(results));
    if (!impossible.isEmpty()) return ExitCodes.INVALID_INPUT;
    return results.stream().allMatch(BackendDiff.Result::agree) ? ExitCodes.MET : ExitCodes.NOT_MET;
  }

  /**
   * The model preset of a QEMU version ("QEMU 11.1.3" → {@code qemu-11.1} when there is one), else
   * the newest QEMU preset the model has.
   */
  static String presetFor(String machine) {
    String v = machine.startsWith("QEMU ") ? machine.substring(5) : machine;
    String[] parts = v.split("\\.");
    if (parts.length >= 2) {
      String exact = "qemu-" + parts[0] + "." + parts[1];
      if (VtdConfig.PRESETS.contains(exact)) return exact;
    }
    String newest = null;
    for (String p : VtdConfig.PRESETS) {
      if (p.startsWith("qemu-")) newest = p; // PRESETS lists the QEMU presets oldest first
    }
    return newest;
  }
}
