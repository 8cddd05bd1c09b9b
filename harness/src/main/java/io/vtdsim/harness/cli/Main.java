package io.vtdsim.harness.cli;

import io.vtdsim.harness.machine.MachineException;
import io.vtdsim.harness.scenario.ScenarioException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Entry point of {@code vtdsim.jar}: the {@code vtdsim} command and its subcommands. */
@Command(
    name = "vtdsim",
    mixinStandardHelpOptions = true,
    version = "vtdsim 0.1.0",
    description = "VT-d caching-mode simulator: runs scenarios against a Linux-like guest driver, an emulated "
        + "VT-d unit, a shadowing strategy and a host IOMMU, and checks every assigned-device mapping.",
    subcommands = {RunCommand.class, ListCommand.class, MatrixCommand.class, ExplainCommand.class,
        DemoCommand.class, ExploreCommand.class, ExploreMergeCommand.class, DiffCommand.class, ReportCommand.class, ShowCommand.class,
        HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every scenario met its expect",
        "1:at least one scenario did not",
        "2:unreadable or invalid input (file:line: key: reason on stderr), or no usable machine (QEMU missing,"
            + " too old or not answering)"})
public final class Main implements Runnable {
  final ScenarioExecutor executor;
  final ScenarioCatalog catalog;

  @Spec
  CommandSpec spec;

  public Main() {
    this(ScenarioExecutor.harness(), ScenarioCatalog.builtin());
  }

  public Main(ScenarioExecutor executor, ScenarioCatalog catalog) {
    this.executor = executor;
    this.catalog = catalog;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: run, list, matrix, explain or demo");
  }

  /** The command line with the harness's exit-code mapping: invalid input → 2. */
  public static CommandLine commandLine(ScenarioExecutor executor, ScenarioCatalog catalog) {
    CommandLine cl = new CommandLine(new Main(executor, catalog));
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      if (ex instanceof ScenarioException || ex instanceof CliException || ex instanceof MachineException) {
        cmd.getErr().println(ex.getMessage());
        cmd.getErr().flush();
        return ExitCodes.INVALID_INPUT;
      }
      throw ex;
    });
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine(ScenarioExecutor.harness(), ScenarioCatalog.builtin()).execute(args));
  }
}
