package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.harness.oracle.Violation;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every built-in scenario, under every shadow strategy, turns out exactly as its {@code expect} block
 * declares for that strategy. The declarations are checked against an independent table of the seed
 * thread's key facts (below), so that the YAML cannot silently drift: per QEMU's history of
 * hw/i386/intel_iommu.c (vtd_page_walk, vtd_iommu_replay, the IOVA tree) and the seed thread,
 * psi-only (the January 2017 RFC) walks on PSI only and ignores DSI and context invalidations;
 * unmap-all-replay (QEMU 2.9) replays on DSI but sends every MAP the walk finds, so
 * repeated PSIs give EEXIST; iova-tree (QEMU ≥ 2018) dedupes through its tree and re-syncs on DSI.
 */
class BuiltinScenariosTest {
  static List<String> names() {
    return BuiltinScenarios.names();
  }

  static Stream<Arguments> everyBuiltinUnderEveryStrategy() {
    return BuiltinScenarios.names().stream()
        .flatMap(n -> Vocabulary.SHADOW_SYNCS.stream().map(s -> Arguments.of(n, s)));
  }

  private static Scenario under(String name, String strategy) {
    return Overrides.apply(BuiltinScenarios.load(name), List.of("machine.shadow-sync=" + strategy));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void everyBuiltinMeetsItsExpectation(String name) {
    ScenarioResult r = new ScenarioRunner().run(BuiltinScenarios.load(name));
    assertThat(r.error()).isNull();
    assertThat(r.met()).as("%s: %s %s", name, r.outcome(), r.violations()).isTrue();
  }

  /** met under every strategy, and the declaration is exact: the kinds found are the kinds declared. */
  @ParameterizedTest(name = "{0} × {1}")
  @MethodSource("everyBuiltinUnderEveryStrategy")
  void everyBuiltinUnderEveryStrategyTurnsOutAsItsFileDeclares(String name, String strategy) {
    Scenario s = under(name, strategy);
    ScenarioResult r = new ScenarioRunner().run(s);
    assertThat(r.error()).isNull();
    Expect declared = s.effectiveExpect();
    assertThat(r.met()).as("%s × %s: %s %s, declared %s", name, strategy, r.outcome(), r.violationKinds(), declared)
        .isTrue();
    assertThat(r.violationKinds()).as("%s × %s", name, strategy).extracting(Violation.Kind::label)
        .containsExactlyInAnyOrderElementsOf(declared.violations());
  }

  /**
   * The seed thread's key facts, stated here independently of the YAML: psi-only ignores the DSI a
   * large unmap falls back to (AM 19 > MAMV 18), so the host keeps the unmapped range; the IOVA tree
   * re-syncs on DSI; repeated PSIs for one page make a tree-less shadow MAP it twice (EEXIST), the tree
   * skips the identical MAP (vtd_page_walk_one in hw/i386/intel_iommu.c skips an identical tree
   * entry, which dedupes repeated PSIs).
   */
  @ParameterizedTest(name = "{0} × {1} → {2} {3}")
  @CsvSource(delimiter = '|', textBlock = """
      psi-to-dsi-fallback | psi-only         | violation | stale-mapping
      psi-to-dsi-fallback | iova-tree        | pass      |
      duplicate-psi       | unmap-all-replay | violation | host-error
      duplicate-psi       | iova-tree        | pass      |
      """)
  void theSeedThreadsKeyFactsHoldInTheFilesAndInTheRuns(String name, String strategy, String outcome, String kind) {
    List<String> kinds = kind == null ? List.of() : List.of(kind.trim());
    Expect declared = BuiltinScenarios.load(name).expect().forStrategy(strategy);
    assertThat(declared.outcome()).isEqualTo(outcome);
    assertThat(declared.violations()).containsAll(kinds);
    ScenarioResult r = new ScenarioRunner().run(under(name, strategy));
    assertThat(r.outcome()).as("%s", r.violations()).isEqualTo(outcome);
    assertThat(r.violationKinds()).extracting(Violation.Kind::label).containsAll(kinds);
  }

  /** The built-ins that declare a {@code nested} column (nesting instead of shadowing), each under it. */
  static Stream<String> builtinsDeclaringNested() {
    return BuiltinScenarios.names().stream()
        .filter(n -> BuiltinScenarios.load(n).expect().perStrategy().containsKey("nested"));
  }

  @ParameterizedTest(name = "{0} × nested")
  @MethodSource("builtinsDeclaringNested")
  void everyNestedColumnTurnsOutAsItsFileDeclares(String name) {
    everyBuiltinUnderEveryStrategyTurnsOutAsItsFileDeclares(name, "nested");
  }

  /**
   * The scalable-mode facts, stated independently of the YAML. Linux (drivers/iommu/intel): a
   * first-stage domain gets no invalidation at map time, caching mode or not (the CM map-time flush,
   * iommu_flush_iotlb_psi's / cache_tag_flush_range_np's, is for second-stage domains), so a
   * caching-mode shadow never hears of the map; a second-stage domain in scalable mode is flushed with
   * PSIs as in legacy mode. Nesting (QEMU's iommufd path) binds the guest's first-stage table and
   * forwards its PASID-based invalidations, so a first-stage guest passes — until one of its
   * invalidations leaves a page out: Linux 6.1's qi_flush_piotlb aligns an unaligned ADDR down, and the
   * host IOTLB keeps the last page.
   */
  @ParameterizedTest(name = "{0} × {1} → {2} {3}")
  @CsvSource(delimiter = '|', textBlock = """
      first-stage-shadowed  | iova-tree | violation | missing-mapping
      first-stage-shadowed  | psi-only  | violation | missing-mapping
      first-stage-nested    | nested    | pass      |
      second-stage-scalable | iova-tree | pass      |
      nested-skipped-flush  | nested    | violation | stale-mapping
      nested-skipped-flush  | iova-tree | violation | missing-mapping
      """)
  void theScalableModeFactsHoldInTheFilesAndInTheRuns(String name, String strategy, String outcome, String kind) {
    theSeedThreadsKeyFactsHoldInTheFilesAndInTheRuns(name, strategy, outcome, kind);
  }

  @Test
  void theDemoRunsTheShadowingBuiltinsOnly() {
    assertThat(BuiltinScenarios.shadowingNames()).contains("map-unmap-4k", "translation-disabled")
        .doesNotContain("first-stage-shadowed", "first-stage-nested", "second-stage-scalable", "nested-skipped-flush");
    assertThat(BuiltinScenarios.names()).containsAll(BuiltinScenarios.shadowingNames())
        .contains("first-stage-shadowed", "first-stage-nested", "second-stage-scalable", "nested-skipped-flush");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void aFullCheckEveryStepFindsTheSameKindsAsTheIncrementalOne(String name) {
    for (String strategy : List.of("psi-only", "iova-tree")) {
      Scenario s = under(name, strategy);
      ScenarioResult inc = new ScenarioRunner().run(s);
      ScenarioResult full = new ScenarioRunner().run(s, RunOptions.defaults().withFullCheckEveryStep(true));
      assertThat(full.outcome()).isEqualTo(inc.outcome());
      assertThat(full.violationKinds()).as(name + " × " + strategy).isEqualTo(inc.violationKinds());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void theDescriptionExplainsTheOutcomePerStrategy(String name) {
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
    // both buffers stayed mapped in the host from their dma-unmap until the 10 ms flush-queue timeout
    // (fq_flush_timeout, drivers/iommu/dma-iommu.c)
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

  private static List<Violation.Kind> kinds(String name, String strategy) {
    Scenario s = BuiltinScenarios.load(name);
    return new ScenarioRunner().run(s.withMachine(s.machine().withShadowSync(strategy))).violationKinds();
  }
}
