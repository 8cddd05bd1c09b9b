package io.vtdsim.harness.cli;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.HandBuiltEvents;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in machine for CLI tests: it "finds" a stale mapping exactly when the shadow strategy is
 * psi-only, replays the hand-built event log, and records every scenario it ran.
 */
final class FakeHarness implements ScenarioExecutor, ScenarioCatalog {
  final List<Scenario> ran = new ArrayList<>();
  /** When set, the built-ins declare this expect block instead of the file's (pass for every strategy). */
  Expect declared;
  final List<RunOptions> options = new ArrayList<>();

  static final String TINY = """
      name: tiny
      description: one page mapped, one DMA
      devices: [{ id: nic, bdf: "00:03.0", kind: assigned }]
      steps:
        - boot
        - attach: { device: nic, domain: d1 }
        - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 4KiB }
      """;

  @Override
  public synchronized ScenarioResult run(Scenario s, RunOptions o) {
    ran.add(s);
    options.add(o);
    List<Violation> vs = new ArrayList<>();
    if (s.machine().shadowSyncOrDefault().label().equals("psi-only")) {
      vs.add(new Violation(Violation.Kind.STALE_MAPPING, 2, "unmap d1 iova 0x100000 size 2MiB", "nic", 0x100000, 0x200000,
          "host maps 0x100000 -> 0x2000000, guest table has no entry"));
    }
    if (s.machine().hostOrDefault().label().equals("iommufd")) {
      vs.add(new Violation(Violation.Kind.HOST_ERROR, 1, "map", "nic", 0x100000, 0x1000, "EEXIST: already mapped"));
    }
    String outcome = vs.isEmpty() ? "pass" : "violation";
    boolean met = s.effectiveExpect().isMetBy(outcome, vs.stream().map(v -> v.kind().label()).toList());
    Map<String, Long> counters = new LinkedHashMap<>();
    for (String name : List.of("mmio-reads", "mmio-writes", "desc-cc-global", "desc-cc-domain", "desc-cc-device",
        "desc-iotlb-global", "desc-iotlb-dsi", "desc-iotlb-psi", "desc-wait", "host-map", "host-unmap",
        "host-errors", "walk-entries", "dma-ok", "dma-fault")) {
      counters.put(name, 0L);
    }
    counters.put("mmio-reads", 3L);
    counters.put("mmio-writes", 2L);
    counters.put("desc-iotlb-psi", 1L);
    counters.put("host-map", 1L);
    counters.put("walk-entries", 4L);
    return new ScenarioResult(s, outcome, met, vs, counters, HandBuiltEvents.tinyRun(), null);
  }

  @Override
  public List<String> names() {
    return List.of("tiny", "tiny-lazy");
  }

  @Override
  public Scenario load(String name) {
    Scenario s = ScenarioLoader.parse(TINY, "builtin:" + name).withName(name);
    if (declared != null) s = s.withExpect(declared);
    return name.equals("tiny-lazy") ? s.withDriver(s.driver().withDmaMode("lazy")) : s;
  }

  @Override
  public String summary(String name) {
    return "summary of " + name;
  }
}
