package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DmaLimits;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.SgMapping;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.harness.oracle.MappedRange;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.EventKinds;
import io.vtdsim.harness.testbed.TestBed;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * examples/scatter-gather.yaml and the TestBed's dma_map_sg. The layouts are worked out by hand from
 * Linux's rules (see MapSgTest in guest-driver-sim): with a 64 KiB segment boundary, segments of 2 KiB
 * at offset 0x800, 8 KiB and 56 KiB take 1 + 2 pages, then 13 pages of padding (the 14-page segment 2
 * would cross the boundary at page 3), then 14 pages: 30 pages, a 32-page allocation at 0xfffe0000 in a
 * fresh domain. ≤5.10 has no padding: 1 + 2 + 14 = 17 pages, also rounded to 32.
 */
class ScatterGatherScenarioTest {
  static final Path FILE = Path.of("..", "examples", "scatter-gather.yaml");
  static final List<SgEntry> LIST = List.of(new SgEntry(0x3000800, 0x800), new SgEntry(0x3100000, 0x2000),
      new SgEntry(0x3200000, 0xE000));

  static ScenarioResult run(String... sets) {
    return new ScenarioRunner().run(Overrides.apply(ScenarioLoader.load(FILE), List.of(sets)));
  }

  static String layout(ScenarioResult r) {
    return r.events().stream().filter(e -> e.kind().equals(EventKinds.DMA_SG)).map(Event::detail).findFirst().orElseThrow();
  }

  @ParameterizedTest
  @ValueSource(strings = {"psi-only", "unmap-all-replay", "iova-tree"})
  void theExamplePassesUnderEveryStrategyAsDeclared(String strategy) {
    ScenarioResult r = run("machine.shadow-sync=" + strategy);
    assertThat(r.violations()).isEmpty();
    assertThat(r.outcome()).isEqualTo(ScenarioResult.PASS);
    assertThat(r.met()).isTrue();
    assertThat(r.counters().get("dma-ok")).isEqualTo(4);
    assertThat(r.counters().get("dma-fault")).isEqualTo(1);
    assertThat(layout(r)).isEqualTo("IOVA [0xfffe0000, +120KiB): segment 0 at 0xfffe0800, segment 1 at 0xfffe1000"
        + " (+52KiB padding), segment 2 at 0xffff0000; 2 DMA segments: 0xfffe0800 +10KiB, 0xffff0000 +56KiB");
  }

  @Test
  void before511TheListIsPackedAndEveryEntryIsItsOwnDmaSegment() {
    ScenarioResult r = run("driver.preset=linux-5.10");
    assertThat(r.violations()).isEmpty();
    assertThat(layout(r)).isEqualTo("IOVA [0xfffe0000, +68KiB): segment 0 at 0xfffe0800, segment 1 at 0xfffe1000,"
        + " segment 2 at 0xfffe3000; 3 DMA segments: 0xfffe0800 +2KiB, 0xfffe1000 +8KiB, 0xfffe3000 +56KiB");
  }

  @Test
  void theOracleSeesAListThePsiOnlyShadowNeverMapped() {
    // MAMV 0: the 30-page map flush needs AM 5 > 0, so Linux falls back to a DSI, which psi-only ignores
    ScenarioResult psiOnly = run("machine.shadow-sync=psi-only", "machine.mamv=0");
    assertThat(psiOnly.violations()).extracting(Violation::kind, Violation::step).contains(
        org.assertj.core.groups.Tuple.tuple(Violation.MISSING_MAPPING, 2),
        org.assertj.core.groups.Tuple.tuple(Violation.UNEXPECTED_FAULT, 3));
    assertThat(psiOnly.violations()).filteredOn(v -> v.kind().equals(Violation.MISSING_MAPPING))
        .extracting(Violation::iova).contains(0xfffe0000L);
    assertThat(run("machine.shadow-sync=iova-tree", "machine.mamv=0").violations()).isEmpty();
  }

  @Test
  void theIntentHoldsEachSegmentsPagesAndThePaddingThroughTheJavaApi() {
    try (TestBed bed = TestBed.builder().machine("qemu-7.2").driver("linux-6.12").assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      SgMapping m = bed.dmaMapSg("nic", LIST, Direction.TO_DEVICE, new DmaLimits(0x10000, 0xFFFF));
      assertThat(m.segments()).extracting(SgMapping.Segment::iova).containsExactly(0xfffe0800L, 0xfffe1000L, 0xffff0000L);
      assertThat(bed.intent().translate("nic", 0xfffe0800L)).contains(new MappedRange(0xfffe0000L, 0x3000000, 0x1000, true, false));
      // segment 1's two pages and the 13 padding pages after them: one run from 0x3100000
      assertThat(bed.intent().translate("nic", 0xfffe3000L)).contains(new MappedRange(0xfffe1000L, 0x3100000, 0xF000, true, false));
      assertThat(bed.intent().translate("nic", 0xffff0000L)).contains(new MappedRange(0xffff0000L, 0x3200000, 0xE000, true, false));
      // the allocation's last two pages are not mapped
      assertThat(bed.intent().translate("nic", 0xffffe000L)).isEmpty();
      assertThat(bed.check()).isEmpty();
      assertThat(bed.dma("nic", 0xfffe3000L, false, 64, true)).isEmpty();
      bed.dmaUnmapSg("nic", m, Direction.TO_DEVICE);
      assertThat(bed.intent().translate("nic", 0xfffe0800L)).isEmpty();
      assertThat(bed.intent().translate("nic", 0xffff0000L)).isEmpty();
      assertThat(bed.check()).isEmpty();
      assertThat(bed.dma("nic", 0xffff0000L, false, 64, false)).isEmpty();
    }
  }

  @Test
  void theExampleSurvivesTheScenarioWriterRoundTrip() {
    Scenario s = ScenarioLoader.load(FILE);
    Scenario back = ScenarioLoader.parse(new io.vtdsim.harness.explore.ScenarioWriter().write(s), "back.yaml");
    assertThat(back.steps()).extracting(Step::describe).isEqualTo(s.steps().stream().map(Step::describe).toList());
    Step.DmaMapSg sg = (Step.DmaMapSg) back.steps().get(2);
    assertThat(sg.segments()).extracting(Step.SgSegment::gpa, Step.SgSegment::size).containsExactly(
        org.assertj.core.groups.Tuple.tuple(0x3000800L, 0x800L), org.assertj.core.groups.Tuple.tuple(0x3100000L, 0x2000L),
        org.assertj.core.groups.Tuple.tuple(0x3200000L, 0xE000L));
    assertThat(sg.segmentBoundary()).isEqualTo(0x10000L);
    assertThat(sg.maxSegmentSize()).isNull();
  }

  @Test
  void theDiagramAndTheExplanationTellTheLayout() {
    ScenarioResult r = run();
    String mermaid = new io.vtdsim.harness.report.SequenceDiagram(io.vtdsim.harness.report.EventText.forScenario(r.scenario()))
        .mermaid(r.events(), "iova-tree", r.violations());
    assertThat(mermaid).contains("Note over Driver: dma_map_sg nic returned IOVA [0xfffe0000, +120KiB): segment 0 at"
        + " 0xfffe0800, segment 1 at 0xfffe1000 (+52KiB padding), segment 2 at 0xffff0000#59; 2 DMA segments:");
    assertThat(mermaid).contains("Note over Driver: guest writes the page-table entries of the scatter list");
  }

  @Test
  void aListUnmappedLazilyStaysMappedUntilTheFlushQueueFlushes() throws Exception {
    // the example on 5.10 in lazy mode: the list's whole range waits in the flush queue (10 ms)
    String yaml = java.nio.file.Files.readString(FILE)
        .replace("preset: linux-6.12", "preset: linux-5.10\n  dma-mode: lazy")
        .replace("op: write, len: 64, expect: fault }", "op: write, len: 64, expect: lazy-stale }\n"
            + "  - advance: 20ms\n  - dma: { device: nic, at: rx.2, op: write, len: 64, expect: lazy-stale }");
    Scenario lazy = ScenarioLoader.parse(yaml, "lazy.yaml");
    ScenarioResult tree = new ScenarioRunner().run(Overrides.apply(lazy, List.of("expect.outcome=pass")));
    assertThat(tree.violations()).isEmpty();
    assertThat(tree.counters().get("dma-stale")).isEqualTo(1); // rx.1 inside the window
    assertThat(tree.counters().get("dma-fault")).isEqualTo(1); // rx.2 after the flush
    // 5.10 packs the list into 17 pages: [0xfffe0000, +68KiB) in the intent's three runs
    assertThat(tree.lazyStaleWindows()).extracting(w -> w.iova(), w -> w.size()).containsExactly(
        org.assertj.core.groups.Tuple.tuple(0xfffe0000L, 0x1000L), org.assertj.core.groups.Tuple.tuple(0xfffe1000L, 0x2000L),
        org.assertj.core.groups.Tuple.tuple(0xfffe3000L, 0xE000L));
    // psi-only ignores the flush queue's DSI: the list stays mapped in the host for good
    ScenarioResult psiOnly = new ScenarioRunner().run(Overrides.apply(lazy, List.of("machine.shadow-sync=psi-only")));
    assertThat(psiOnly.violations()).extracting(Violation::kind, Violation::step).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Violation.STALE_MAPPING, 9), org.assertj.core.groups.Tuple.tuple(Violation.UNEXPECTED_SUCCESS, 10));
  }
}
