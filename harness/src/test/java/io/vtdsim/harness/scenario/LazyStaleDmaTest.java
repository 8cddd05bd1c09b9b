package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.oracle.Violation;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code expect: lazy-stale}: Linux's lazy mode (iommu.strict=0, 5.10: a 10 ms flush-queue timeout)
 * leaves an unmapped buffer mapped until the queued flush; a DMA in that window may land, after it it
 * must fault.
 */
class LazyStaleDmaTest {
  static final Path FILE = Path.of("..", "examples", "lazy-stale-dma.yaml");

  static ScenarioResult run(String strategy) {
    return new ScenarioRunner().run(Overrides.apply(ScenarioLoader.load(FILE), java.util.List.of("machine.shadow-sync=" + strategy)));
  }

  @Test
  void aDmaInsideTheWindowLandsAndIsCountedOneAfterTheFlushFaults() {
    ScenarioResult r = run("iova-tree");
    assertThat(r.violations()).isEmpty();
    assertThat(r.met()).isTrue();
    // step 5 lands through the stale mapping; step 7, after the 10 ms flush, faults
    assertThat(r.counters().get("dma-stale")).isEqualTo(1);
    assertThat(r.counters().get("dma-fault")).isEqualTo(1);
    assertThat(r.lazyStaleWindows()).hasSize(1);
  }

  @Test
  void outsideAWindowLazyStaleMeansMustFault() {
    // psi-only ignores the flush queue's DSI: after the timeout the host still maps the buffer
    ScenarioResult r = run("psi-only");
    assertThat(r.violations()).extracting(Violation::kind, Violation::step)
        .contains(org.assertj.core.groups.Tuple.tuple(Violation.Kind.UNEXPECTED_SUCCESS, 7));
    assertThat(r.counters().get("dma-stale")).isEqualTo(1);
  }

  @Test
  void inStrictModeThereIsNoWindowSoTheDmaMustFault() {
    ScenarioResult r = new ScenarioRunner().run(Overrides.apply(ScenarioLoader.load(FILE), java.util.List.of("driver.dma-mode=strict")));
    assertThat(r.violations()).isEmpty();
    assertThat(r.counters().get("dma-stale")).isZero();
    assertThat(r.counters().get("dma-fault")).isEqualTo(2);
  }
}
