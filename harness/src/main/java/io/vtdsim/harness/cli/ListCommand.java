package io.vtdsim.harness.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code list}: the built-in scenarios, each with its whole description wrapped beside its name. */
@Command(name = "list", description = "List the built-in scenarios with their descriptions (show NAME prints one's YAML).",
    mixinStandardHelpOptions = true)
final class ListCommand implements Runnable {
  /** Output width, as the demo's legend. */
  static final int WIDTH = 100;

  @ParentCommand
  Main main;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    List<String> names = main.catalog.names();
    int width = names.stream().mapToInt(String::length).max().orElse(0) + 2;
    for (String n : names) {
      String text = String.join(" ", main.catalog.description(n).strip().split("\\s+"));
      String[] lines = DemoCommand.wrap(text, WIDTH - width).split("\n");
      for (int i = 0; i < lines.length; i++) {
        out.println((i == 0 ? n + " ".repeat(width - n.length()) : " ".repeat(width)) + lines[i]);
      }
    }
    out.flush();
  }
}
