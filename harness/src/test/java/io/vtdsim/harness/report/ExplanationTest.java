package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplanationTest {
  private final Scenario scenario = ScenarioLoader.parse("""
      name: tiny
      devices: [{ id: gpu, bdf: "00:04.0", kind: emulated }]
      steps: [boot]
      """, "tiny.yaml");
  private final EventText text = new EventText(VtdConfig.qemu72());

  @Test
  void finalCheckViolationsAndSetupErrorsAreTold() {
    ScenarioResult r = new ScenarioResult(scenario, "error", false,
        List.of(new Violation(Violation.Kind.MISSING_MAPPING, -1, "final check", "gpu", 0x2000, 0x1000, "host has no mapping")),
        Map.of(), HandBuiltEvents.tinyRun().subList(0, 6), "attach: caching mode is off");
    String s = new Explanation(text).render(r);
    assertThat(s).contains("device:  gpu at 00:04.0, emulated (DMA translated by the emulated VT-d unit)")
        .contains("Final check\n  oracle: VIOLATION missing-mapping gpu iova 0x2000 size 4KiB: host has no mapping")
        .contains("Setup error: attach: caching mode is off")
        .endsWith("Result: error, expected pass — NOT as expected\n");
  }

  @Test
  void eventsBeforeTheFirstStepAreSetupAndLongStepsAreCut() {
    List<Event> events = new ArrayList<>();
    events.add(new Event(1, 0, "mmio.write", "vtd", null, Map.of("offset", 0x20, "size", 8, "value", 0x1000L)));
    events.add(new Event(2, 0, "harness.step", "harness", null, Map.of("index", 0, "text", "boot")));
    for (int i = 0; i < 10; i++) {
      events.add(new Event(3 + i, 0, "mmio.write", "vtd", null, Map.of("offset", 0x88, "size", 8, "value", (long) i)));
    }
    events.add(new Event(13, 0, "harness.verdict", "harness", null, Map.of("index", 0, "violations", 0)));
    ScenarioResult r = new ScenarioResult(scenario, "pass", true, List.of(), Map.of(), events, null);
    String s = new Explanation(text, 4).render(r);
    assertThat(s).contains("Setup\n    mmio    MMIO write64 RTADDR = 0x1000\n")
        .contains("Step 0: boot\n")
        .contains("... 6 more events (see run --trace)")
        .contains("oracle: ok")
        .doesNotContain("harness.verdict")
        .endsWith("Result: pass, expected pass — as expected\n");
  }
}
