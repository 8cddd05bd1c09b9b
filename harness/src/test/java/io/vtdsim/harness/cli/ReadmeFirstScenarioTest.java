package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Your first scenario in five minutes" as written: its YAML saved as {@code mine.yaml},
 * every {@code $ java -jar harness/target/vtdsim.jar ...} transcript prints the lines shown (in order;
 * {@code ...} stands for lines left out) and exits with the code a following {@code $ echo $?} shows.
 */
class ReadmeFirstScenarioTest {
  static final String PROMPT = "$ java -jar harness/target/vtdsim.jar ";

  @TempDir
  Path dir;

  @Test
  void theWalkThroughIsWhatTheCommandsPrint() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String section = readme.substring(readme.indexOf("## Your first scenario in five minutes"), readme.indexOf("## Layout"));
    int yamlAt = section.indexOf("```yaml\n") + "```yaml\n".length();
    Path mine = dir.resolve("mine.yaml");
    Files.writeString(mine, section.substring(yamlAt, section.indexOf("```", yamlAt)));
    List<String> lines = section.lines().toList();
    int checked = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith(PROMPT)) continue;
      String[] args = Arrays.stream(lines.get(i).substring(PROMPT.length()).trim().split(" +"))
          .map(a -> a.equals("mine.yaml") ? mine.toString() : a).toArray(String[]::new);
      List<String> shown = new ArrayList<>();
      int j = i + 1;
      for (; j < lines.size() && !lines.get(j).startsWith("$ ") && !lines.get(j).startsWith("```"); j++) shown.add(lines.get(j));
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = CliRun.execute(out, err, args);
      if (j + 1 < lines.size() && lines.get(j).equals("$ echo $?")) {
        assertThat(code).as(lines.get(i) + "\n" + err).isEqualTo(Integer.parseInt(lines.get(j + 1).trim()));
      }
      String printed = out.toString();
      int from = 0;
      for (String s : shown) {
        if (s.strip().equals("...")) continue;
        int k = printed.indexOf(s + "\n", from);
        assertThat(k).as("%s\nshows a line it does not print:\n%s\nprinted:\n%s", lines.get(i), s, printed).isNotNegative();
        from = k + s.length();
      }
      checked++;
    }
    assertThat(checked).isEqualTo(4);
  }
}
