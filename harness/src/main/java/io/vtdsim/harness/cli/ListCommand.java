package io.vtdsim.harness.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code list}: the built-in scenarios, one line each. */
@Command(name = "list", description = "List the built-in scenarios.", mixinStandardHelpOptions = true)
final class ListCommand implements Runnable {
  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    List<String> names = main.catalog.names();
    int width = names.stream().mapToInt(String::length).max().orElse(0);
    for (String n : names) out.println(n + " ".repeat(width - n.length()) + "  " + main.catalog.summary(n));
    out.flush();
  }
}
