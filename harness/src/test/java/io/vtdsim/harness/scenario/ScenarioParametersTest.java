package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioParametersTest {
  static final String FILE = """
      name: halves
      description: "maps ${size} as two halves"
      parameters:
        size: 2MiB
        base: 0x100000000
      devices: [{ id: nic, bdf: "00:03.0", kind: assigned }]
      steps:
        - boot
        - attach: { device: nic, domain: d1 }
        - map: { domain: d1, iova: "${base}", gpa: 0x2000000, size: "${size / 2}" }
        - map: { domain: d1, iova: "${base + size / 2}", gpa: "${0x2000000 + (size / 2)}", size: "${size / 2}" }
        - unmap: { domain: d1, iova: "${base}", size: "${size}" }
      """;

  @Test
  void defaultsReplaceTheReferences() {
    Scenario s = ScenarioLoader.parse(FILE, "halves.yaml");
    assertThat(s.description()).isEqualTo("maps 2MiB as two halves");
    assertThat(s.steps().get(2)).isEqualTo(new Step.MapRange(10, "d1", 0x100000000L, 0x2000000L, 0x100000, Perm.RW));
    assertThat(s.steps().get(3)).isEqualTo(new Step.MapRange(11, "d1", 0x100100000L, 0x2100000L, 0x100000, Perm.RW));
    assertThat(s.steps().get(4)).isEqualTo(new Step.UnmapRange(12, "d1", 0x100000000L, 0x200000));
  }

  @Test
  void givenValuesReplaceTheDefaults() {
    Scenario s = ScenarioLoader.parse(FILE, "halves.yaml", Map.of("size", "8KiB"));
    assertThat(s.description()).isEqualTo("maps 8KiB as two halves");
    assertThat(s.steps().get(3)).isEqualTo(new Step.MapRange(11, "d1", 0x100001000L, 0x2001000L, 0x1000, Perm.RW));
    assertThat(s.steps().get(4)).isEqualTo(new Step.UnmapRange(12, "d1", 0x100000000L, 0x2000));
  }

  @Test
  void mistakesAreReportedAtTheirLine() {
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE, "halves.yaml", Map.of("sise", "8KiB")))
        .hasMessage("--set: parameters.sise: unknown parameter of halves.yaml; declared: size, base");
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE, "halves.yaml", Map.of("size", "big")))
        .hasMessageStartingWith("--set: parameters.size: not a size: 'big'");
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE.replace("${size / 2}\" }\n  - unmap", "${size / 0}\" }\n  - unmap"),
        "halves.yaml")).hasMessage("halves.yaml:11: ${size / 0}: division by zero; parameters: size, base");
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE.replace("${base}\", size", "${bsae}\", size"), "halves.yaml"))
        .hasMessage("halves.yaml:12: ${bsae}: unknown parameter 'bsae'; parameters: size, base");
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE.replace("${base}\", size", "${base +}\", size"), "halves.yaml"))
        .hasMessageStartingWith("halves.yaml:12: ${base +}: expression ends early");
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE.replace("size: 2MiB", "size: [1, 2]"), "halves.yaml"))
        .hasMessage("halves.yaml:4: parameters.size: expected a number or size, e.g. 2GiB");
    // a result the step cannot take is the step's usual error, at the step's line
    assertThatThrownBy(() -> ScenarioLoader.parse(FILE, "halves.yaml", Map.of("size", "6KiB")))
        .hasMessageStartingWith("halves.yaml:10: map.size:");
  }
}
