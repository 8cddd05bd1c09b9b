package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.harness.oracle.Violation;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every built-in scenario runs with its declared outcome, and the per-strategy outcomes its
 * description documents hold. The strategy table follows from the QEMU history in
 * hw/i386/intel_iommu.c (vtd_page_walk, vtd_iommu_replay, the IOVA tree) and the seed thread: psi-only (the January 2017 RFC) ignores DSI and
 * context invalidations and sends duplicate MAPs; unmap-all-replay (QEMU 2.9) replays on DSI but
 * still sends duplicate MAPs and uses the pre-2018 walk that skips invalid level-2 entries;
 * iova-tree (QEMU ≥ 2018) dedupes through its tree and re-syncs on DSI.
 */
class BuiltinScenariosTest {
  static List<String> names() {
    return BuiltinScenarios.names();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void everyBuiltinMeetsItsExpectation(String name) {
    ScenarioResult r = new ScenarioRunner().run(BuiltinScenarios.load(name));
    assertThat(r.error()).isNull();
    assertThat(r.met()).as("%s: %s %s", name, r.outcome(), r.violations()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void aFullCheckEveryStepFindsTheSameKindsAsTheIncrementalOne(String name) {
    for (String strategy : List.of("psi-only", "iova-tree")) {
      Scenario s = BuiltinScenarios.load(name);
      s = s.withMachine(s.machine().withShadowSync(strategy));
      ScenarioResult inc = new ScenarioRunner().run(s);
      ScenarioResult full = new ScenarioRunner().run(s, RunOptions.defaults().withFullCheckEveryStep(true));
      assertThat(full.outcome()).isEqualTo(inc.outcome());
      assertThat(full.violationKinds()).as(name + " × " + strategy).isEqualTo(inc.violationKinds());
    }
  }

  @ParameterizedTest(name = "{0} × {1} → {2} {3}")
  @CsvSource(delimiter = '|', textBlock = """
      map-unmap-4k          | psi-only         | pass      |
      map-unmap-4k          | unmap-all-replay | pass      |
      map-unmap-4k          | iova-tree        | pass      |
      psi-to-dsi-fallback   | psi-only         | violation | stale-mapping unexpected-success
      psi-to-dsi-fallback   | unmap-all-replay | pass      |
      psi-to-dsi-fallback   | iova-tree        | pass      |
      psi-absent            | psi-only         | violation | missing-mapping unexpected-fault
      psi-absent            | unmap-all-replay | pass      |
      psi-absent            | iova-tree        | pass      |
      duplicate-psi         | psi-only         | violation | host-error
      duplicate-psi         | unmap-all-replay | violation | host-error
      duplicate-psi         | iova-tree        | pass      |
      domain-switch         | psi-only         | violation | stale-mapping host-error wrong-target
      domain-switch         | unmap-all-replay | pass      |
      domain-switch         | iova-tree        | pass      |
      superpage-split       | psi-only         | violation | stale-mapping host-error wrong-target
      superpage-split       | unmap-all-replay | violation | stale-mapping host-error wrong-target
      superpage-split       | iova-tree        | pass      |
      no-map-flush-emulated | psi-only         | violation | unexpected-fault
      no-map-flush-emulated | unmap-all-replay | violation | unexpected-fault
      no-map-flush-emulated | iova-tree        | violation | unexpected-fault
      no-map-flush-assigned | psi-only         | violation | missing-mapping unexpected-fault
      no-map-flush-assigned | unmap-all-replay | violation | missing-mapping unexpected-fault
      no-map-flush-assigned | iova-tree        | violation | missing-mapping unexpected-fault
      lazy-dsi-batching     | psi-only         | violation | stale-mapping
      lazy-dsi-batching     | unmap-all-replay | pass      |
      lazy-dsi-batching     | iova-tree        | pass      |
      unaligned-pre-5.18    | psi-only         | violation | missing-mapping unexpected-fault
      unaligned-pre-5.18    | unmap-all-replay | violation | missing-mapping unexpected-fault
      unaligned-pre-5.18    | iova-tree        | violation | missing-mapping unexpected-fault
      interrupt-window      | psi-only         | violation | stale-mapping
      interrupt-window      | unmap-all-replay | violation | stale-mapping
      interrupt-window      | iova-tree        | pass      |
      translation-disabled  | psi-only         | pass      |
      translation-disabled  | unmap-all-replay | pass      |
      translation-disabled  | iova-tree        | pass      |
      """)
  void documentedOutcomePerStrategy(String name, String strategy, String outcome, String kinds) {
    Scenario s = BuiltinScenarios.load(name);
    s = s.withMachine(s.machine().withShadowSync(strategy));
    ScenarioResult r = new ScenarioRunner().run(s);
    assertThat(r.error()).isNull();
    assertThat(r.outcome()).as("%s", r.violations()).isEqualTo(outcome);
    List<String> required = kinds == null ? List.of() : Arrays.asList(kinds.trim().split("\\s+"));
    assertThat(r.violationKinds()).containsAll(required);
    assertThat(BuiltinScenarios.load(name).description()).contains("Expected per strategy");
  }

  /** The seed thread's question, answered: which strategy keeps mappings right. */
  @Test
  void theSeedThreadsQuestion() {
    assertThat(kinds("psi-to-dsi-fallback", "psi-only")).contains(Violation.STALE_MAPPING);
    assertThat(kinds("lazy-dsi-batching", "psi-only")).contains(Violation.STALE_MAPPING);
    assertThat(kinds("duplicate-psi", "unmap-all-replay")).contains(Violation.HOST_ERROR);
    for (String n : List.of("psi-to-dsi-fallback", "lazy-dsi-batching", "duplicate-psi", "psi-absent")) {
      assertThat(kinds(n, "iova-tree")).as(n).isEmpty();
    }
  }

  @Test
  void lazyModeReportsTheStaleWindowOfTheFlushQueue() {
    ScenarioResult r = new ScenarioRunner().run(BuiltinScenarios.load("lazy-dsi-batching"));
    assertThat(r.outcome()).isEqualTo("pass");
    // both buffers stayed mapped in the host from their dma-unmap until the 10 ms flush-queue timeout (fq_flush_timeout, drivers/iommu/dma-iommu.c)
    assertThat(r.staleWindows()).isNotEmpty().allSatisfy(e -> {
      assertThat(e.longAttr("nanos")).isEqualTo(10_000_000L);
      assertThat(e.longAttr("toStep")).isEqualTo(8);
    });
  }

  @Test
  void namesSummariesAndUnknownNames() {
    assertThat(BuiltinScenarios.names()).hasSizeGreaterThanOrEqualTo(12).doesNotHaveDuplicates();
    for (String n : BuiltinScenarios.names()) {
      assertThat(BuiltinScenarios.load(n).name()).isEqualTo(n);
      assertThat(BuiltinScenarios.summary(n)).isNotBlank().doesNotContain("\n");
      assertThat(BuiltinScenarios.load(n).source()).isEqualTo("builtin:" + n);
    }
    assertThatThrownBy(() -> BuiltinScenarios.load("nope")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("map-unmap-4k");
  }

  private static List<String> kinds(String name, String strategy) {
    Scenario s = BuiltinScenarios.load(name);
    return new ScenarioRunner().run(s.withMachine(s.machine().withShadowSync(strategy))).violationKinds();
  }
}
