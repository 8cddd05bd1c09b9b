package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's CLI section and docs/cli.md as they are written: every shipped example scenario runs, and every
 * {@code $ java -jar harness/target/vtdsim.jar ...} transcript shows what the command really prints
 * (lines reading {@code ...} stand for omitted output) and exits with the code it shows. Paths in
 * the README are relative to the repository root; the tests run in {@code harness/}.
 */
class ReadmeCliExamplesTest {
  static final Path ROOT = Path.of("..");
  static final String PROMPT = "$ java -jar harness/target/vtdsim.jar ";

  @TempDir
  Path dir;

  private final CliRun cli = new CliRun();

  /** A README argument naming a file of the repository, resolved from the module directory. */
  private static String resolve(String arg) {
    return !arg.startsWith("-") && arg.contains("/") && Files.exists(ROOT.resolve(arg)) ? ROOT.resolve(arg).toString() : arg;
  }

  /** The README and the references it links (docs/scenarios.md, docs/cli.md): what a user reads. */
  private static String readme() throws Exception {
    return Files.readString(ROOT.resolve("README.md")) + "\n" + Files.readString(ROOT.resolve("docs/scenarios.md"))
        + "\n" + Files.readString(ROOT.resolve("docs/cli.md"));
  }

  @Test
  void everyExampleScenarioRunsAsItsExpectDeclares() throws Exception {
    List<Path> examples;
    try (Stream<Path> files = Files.list(ROOT.resolve("examples"))) {
      examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(examples).extracting(f -> f.getFileName().toString()).contains("tiny-4k.yaml");
    for (Path f : examples) {
      assertThat(cli.run("run", f.toString())).as(f + ": " + cli.out() + cli.err()).isZero();
      assertThat(cli.out()).startsWith("ok    ");
    }
  }

  @Test
  void theExplainExampleNamesAShippedFileAndShowsItsRealStep() throws Exception {
    String readme = readme();
    String command = "java -jar harness/target/vtdsim.jar explain examples/tiny-4k.yaml";
    int at = readme.indexOf(command);
    assertThat(at).as("the README's explain example").isNotNegative();
    assertThat(ROOT.resolve("examples/tiny-4k.yaml")).exists();
    String excerpt = codeBlockAfter(readme, at);
    assertThat(excerpt).startsWith("Step 2: map d1 iova 0x100000");
    assertThat(cli.run("explain", resolve("examples/tiny-4k.yaml"))).isZero();
    assertThat(cli.out()).contains(excerpt);

    int traceAt = readme.indexOf("run examples/tiny-4k.yaml --trace FILE", at);
    assertThat(traceAt).isNotNegative();
    String traceExcerpt = codeBlockAfter(readme, traceAt);
    Path trace = dir.resolve("t.txt");
    assertThat(cli.run("run", resolve("examples/tiny-4k.yaml"), "--trace", trace.toString())).isZero();
    assertThat(Files.readString(trace)).contains(traceExcerpt);
  }

  @Test
  void everyTranscriptIsWhatTheCommandPrints() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    // the README from its CLI section on (Real QEMU, benchmarks), then the CLI reference
    String section = readme.substring(readme.indexOf("## CLI")) + "\n" + Files.readString(ROOT.resolve("docs/cli.md"));
    assertThat(checkTranscripts(section)).as("transcripts in the CLI section").isGreaterThanOrEqualTo(4);
  }

  /** The README's scalable-mode and nesting sections: their transcripts are what the commands print. */
  @Test
  void theScalableModeAndNestingTranscriptsAreWhatTheCommandsPrint() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String section = readme.substring(readme.indexOf("## Scalable mode and first-stage"),
        readme.indexOf("## The guest driver"));
    assertThat(section).contains("## Nesting");
    assertThat(checkTranscripts(section)).as("transcripts in Scalable mode and first-stage").isEqualTo(2);
  }

  /** Runs every {@link #PROMPT} line of {@code section} and checks that its shown lines are printed; returns how many. */
  private int checkTranscripts(String section) throws Exception {
    List<String> lines = section.lines().toList();
    int checked = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith(PROMPT)) continue;
      String[] args = Arrays.stream(lines.get(i).substring(PROMPT.length()).trim().split(" +"))
          .map(ReadmeCliExamplesTest::resolve).toArray(String[]::new);
      List<String> shown = new ArrayList<>();
      int j = i + 1;
      for (; j < lines.size() && !lines.get(j).startsWith("$ ") && !lines.get(j).startsWith("```"); j++) {
        shown.add(lines.get(j));
      }
      if (needsQemu(args) && !qemuAvailable()) continue; // the QEMU tests' gate: CI has QEMU and requires it
      int code = cli.run(args);
      String printed = cli.out();
      assertThat(code).as(lines.get(i) + "\n" + cli.err()).isEqualTo(shownExitCode(lines, j, code));
      // the shown lines appear in order; "..." stands for lines left out
      int from = 0;
      for (String s : shown) {
        if (s.strip().equals("...")) continue;
        int k = printed.indexOf(s + "\n", from);
        assertThat(k).as("%s\nshows a line it does not print:\n%s\nprinted:\n%s", lines.get(i), s, printed)
            .isNotNegative();
        from = k + s.length();
      }
      checked++;
    }
    return checked;
  }

  /** A transcript that runs real QEMU: {@code diff}, or {@code machine.backend=qemu}. */
  private static boolean needsQemu(String[] args) {
    return args[0].equals("diff") || Arrays.asList(args).contains("machine.backend=qemu");
  }

  /** Whether there is a QEMU; with -Dvtdsim.qemu=required (CI) there must be. */
  private static boolean qemuAvailable() {
    boolean found = io.vtdsim.harness.qemu.QemuInstallation.find().isPresent();
    if (!found && "required".equals(System.getProperty("vtdsim.qemu"))) {
      throw new AssertionError("-Dvtdsim.qemu=required but no usable QEMU for the README's QEMU transcripts");
    }
    return found;
  }

  /** The code a following {@code $ echo $?} shows, else (no claim made) the actual one. */
  private static int shownExitCode(List<String> lines, int j, int actual) {
    if (j + 1 < lines.size() && lines.get(j).equals("$ echo $?")) return Integer.parseInt(lines.get(j + 1).trim());
    return actual;
  }

  /** The text of the first fenced code block after {@code from}. */
  private static String codeBlockAfter(String text, int from) {
    int open = text.indexOf("```", from);
    int start = text.indexOf('\n', open) + 1;
    return text.substring(start, text.indexOf("```", start));
  }
}
