package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How the scenarios a command runs are adjusted and run: {@code --set}, {@code --full-check}, {@code --retain}, {@code --timeout}. */
final class RunSettings {
  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override a scenario key, e.g. machine.shadow-sync=psi-only, or a parameter the file "
          + "declares, e.g. parameters.size=1GiB; repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--full-check",
      description = "compare whole address spaces after every step (default: the ranges each step touched, "
          + "plus a full comparison at the end)")
  boolean fullCheck;

  @Option(names = "--retain", paramLabel = "N",
      description = "events kept for the reports (default: ${DEFAULT-VALUE}; the last N are kept)")
  int retain = RunOptions.DEFAULT_EVENT_RETENTION;

  @Option(names = "--timeout", paramLabel = "DURATION",
      description = "wall-clock limit per scenario run, e.g. 30s (checked between steps; a run past it ends "
          + "as outcome timeout; default: none)")
  String timeout;

  RunOptions options() {
    if (retain < 0) throw new CliException("--retain must be 0 or more, got " + retain);
    return RunOptions.defaults().withFullCheckEveryStep(fullCheck).withEventRetention(retain)
        .withTimeoutNanos(timeoutNanos());
  }

  private long timeoutNanos() {
    if (timeout == null) return 0;
    long nanos;
    try {
      nanos = Units.parseDuration(timeout);
    } catch (IllegalArgumentException e) {
      throw new CliException("--timeout: " + e.getMessage(), e);
    }
    if (nanos == 0) throw new CliException("--timeout must be more than 0, got " + timeout);
    return nanos;
  }
}
