package io.vtdsim.harness.cli;

import io.vtdsim.harness.explore.CampaignLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code explore-merge}: one summary of the {@code explore --shard I/N --json-lines FILE} results of a
 * campaign spread over processes or machines: totals summed, distinct findings deduplicated by
 * mechanism key (each from the lowest seed any shard showed it at).
 */
@Command(name = "explore-merge", mixinStandardHelpOptions = true,
    description = "Merge the --json-lines files of explore shards into one summary: scenarios, steps and "
        + "failing runs summed; distinct findings deduplicated by mechanism (kind@step, +lazy), the lowest seed kept.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:no shard found a violation", "1:at least one finding",
        "2:unreadable file, bad line (file:line: key: reason), or files that are not shards of one campaign"})
final class ExploreMergeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "explore --json-lines files, one per shard")
  List<Path> files;

  @Option(names = "--out-dir", paramLabel = "DIR", description = "write each distinct finding's shrunk scenario here (DIR must exist)")
  Path outDir;

  @Override
  public Integer call() {
    if (outDir != null && !Files.isDirectory(outDir)) {
      throw new CliException("--out-dir " + outDir + ": not a directory (it must exist)");
    }
    Map<String, String> texts = new LinkedHashMap<>();
    for (Path f : files) {
      if (texts.containsKey(f.toString())) throw new CliException("explore-merge: " + f + ": given twice");
      try {
        texts.put(f.toString(), Files.readString(f, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new CliException(f + ": cannot read: " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
      }
    }
    CampaignLog.Merged m;
    try {
      m = CampaignLog.merge(texts);
    } catch (CampaignLog.BadLog e) {
      throw new CliException(e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    String shards = m.shards().stream().map(i -> i + "/" + m.shardCount()).collect(Collectors.joining(", "));
    out.printf("merged %d file%s (shards %s): %d scenarios, %d steps, %d failing, %d distinct finding%s%n",
        m.files().size(), m.files().size() == 1 ? "" : "s", shards, m.scenarios(), m.steps(), m.failingRuns(),
        m.findings().size(), m.findings().size() == 1 ? "" : "s");
    if (!m.missingShards().isEmpty()) {
      out.println("incomplete: shards missing: " + m.missingShards().stream().map(i -> i + "/" + m.shardCount())
          .collect(Collectors.joining(", ")));
    } else if (!m.complete()) {
      out.println("incomplete: not every shard ran all its seeds (stopped: " + String.join(", ", m.stops().values()) + ")");
    }
    for (CampaignLog.MergedFinding f : m.findings()) {
      out.printf("finding %s: seed %d, %d → %s steps%s (%s)%n", f.key(), f.seed(), f.originalSteps(),
          f.shrunkSteps() == null ? "?" : f.shrunkSteps(), f.flush() == null ? "" : ", flush " + f.flush(), f.file());
      if (outDir != null && f.scenario() != null) {
        Path file = outDir.resolve("seed-" + f.seed() + "-" + f.key().replace("@", "-at-").replace("+lazy", "-lazy") + ".yaml");
        OutputFile.write(file, "--out-dir", f.scenario());
        out.println("wrote " + file);
      }
    }
    out.flush();
    return m.findings().isEmpty() ? ExitCodes.MET : ExitCodes.NOT_MET;
  }
}
