package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** run --json says when the unit was in scalable mode and whether first-stage; a legacy run keeps its shape. */
class JsonReportScalableModeTest {
  private static String json(String machine) {
    var s = ScenarioLoader.parse("machine: { " + machine + " }\nsteps: [boot]\n", "t.yaml");
    return JsonReport.render(List.of(new ScenarioResult(s, "pass", true, List.of(), Map.of(), List.of(), null,
        List.of(), ScenarioResult.MODEL)));
  }

  @Test
  void scalableModeAndFirstStageAreReported() {
    assertThat(json("preset: qemu-11.1, scalable-mode: true, flts: true"))
        .contains("\"scalableMode\" : true").contains("\"flts\" : true");
    assertThat(json("preset: qemu-11.1-sm")).contains("\"scalableMode\" : true").contains("\"flts\" : false");
    assertThat(json("preset: qemu-11.1")).doesNotContain("scalableMode").doesNotContain("flts");
  }
}
