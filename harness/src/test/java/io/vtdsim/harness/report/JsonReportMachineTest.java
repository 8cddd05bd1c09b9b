package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** run --json names the machine for a run that was not on the model, and says nothing new for the model. */
class JsonReportMachineTest {
  private static ScenarioResult result(String yaml, String machine) {
    Scenario s = ScenarioLoader.parse(yaml, "t.yaml");
    return new ScenarioResult(s, "pass", true, List.of(), Map.of(), List.of(), null, List.of(), machine);
  }

  @Test
  void aQemuRunHasBackendAndMachine() {
    String json = JsonReport.render(List.of(result("machine: { backend: qemu }\nsteps: [boot]\n", "QEMU 11.1.3")));
    assertThat(json).contains("\"backend\" : \"qemu\"").contains("\"machine\" : \"QEMU 11.1.3\"");
  }

  @Test
  void aModelRunKeepsItsShape() {
    String json = JsonReport.render(List.of(result("steps: [boot]\n", ScenarioResult.MODEL)));
    assertThat(json).doesNotContain("\"backend\"").doesNotContain("\"machine\"");
  }
}
