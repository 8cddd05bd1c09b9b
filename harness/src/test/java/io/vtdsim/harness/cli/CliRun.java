package io.vtdsim.harness.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the real CLI in-process (the real harness and built-ins) with stdout and stderr captured. */
public final class CliRun {
  private CliRun() {}

  /** Executes {@code args}, writing the command's stdout to {@code out} and stderr to {@code err}. */
  public static int execute(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = Main.commandLine(ScenarioExecutor.harness(), ScenarioCatalog.builtin());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }
}
