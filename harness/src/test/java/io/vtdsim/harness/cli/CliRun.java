package io.vtdsim.harness.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs the real CLI in-process (the real harness and built-ins) with stdout and stderr captured: the
 * one helper the CLI tests share. An instance keeps the output of its last {@link #run}.
 */
public final class CliRun {
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  /** Executes {@code args} with fresh captures; returns the exit code. */
  public int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return execute(out, err, args);
  }

  /** What the last run printed on stdout. */
  public String out() {
    return out.toString();
  }

  /** What the last run printed on stderr. */
  public String err() {
    return err.toString();
  }

  /** Executes {@code args}, writing the command's stdout to {@code out} and stderr to {@code err}. */
  public static int execute(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = Main.commandLine(ScenarioExecutor.harness(), ScenarioCatalog.builtin());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }
}
