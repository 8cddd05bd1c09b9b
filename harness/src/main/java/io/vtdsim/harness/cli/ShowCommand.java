package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.ScenarioException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code show NAME}: a built-in scenario's YAML, to read or to copy as a start for one's own. */
@Command(name = "show", mixinStandardHelpOptions = true,
    description = "Print a built-in scenario's YAML (e.g. show psi-to-dsi-fallback > mine.yaml).")
final class ShowCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "a built-in scenario (see list)")
  String name;

  @Override
  public Integer call() {
    String text = main.catalog.names().contains(name) ? main.catalog.text(name) : null;
    if (text == null) {
      throw new ScenarioException("show", 0, name, "unknown built-in scenario; known: " + String.join(", ", main.catalog.names()));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(text);
    out.flush();
    return ExitCodes.MET;
  }
}
