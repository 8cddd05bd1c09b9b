package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The scenario-format example in docs/scenarios.md must stay a valid scenario. */
class ReadmeScenarioExampleTest {
  @Test
  void theReadmeExampleParsesAndUsesEveryStepKind() throws Exception {
    String readme = Files.readString(Path.of("..", "docs", "scenarios.md"));
    int section = readme.indexOf("# Scenario files");
    assertThat(section).isNotNegative();
    int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
    String yaml = readme.substring(start, readme.indexOf("```", start));
    Scenario s = ScenarioLoader.parse(yaml, "README.md");
    assertThat(s.steps()).extracting(st -> st.getClass().getSimpleName()).containsExactly(
        "Boot", "Attach", "MapRange", "DmaMap", "Dma", "DmaUnmap", "UnmapRange", "Detach", "Advance", "Repeat",
        "Shutdown");
    assertThat(s.devices()).anySatisfy(d -> assertThat(d.group()).isNotNull());
    assertThat(s.machine()).hasNoNullFieldsOrProperties();
    assertThat(s.driver()).hasNoNullFieldsOrProperties();
    assertThat(s.expect().perStrategy()).containsOnlyKeys("psi-only");
  }

  @Test
  void theReadmesPerStrategyExampleIsWhatTheBuiltinDeclares() throws Exception {
    String readme = Files.readString(Path.of("..", "docs", "scenarios.md"));
    int section = readme.indexOf("# Scenario files");
    int start = readme.indexOf("```yaml\nexpect:", section) + "```yaml\n".length();
    String yaml = readme.substring(start, readme.indexOf("```", start));
    Expect shown = ScenarioLoader.parse("steps: [boot]\n" + yaml, "README.md").expect();
    assertThat(shown).isEqualTo(BuiltinScenarios.load("psi-to-dsi-fallback").expect());
  }
}
