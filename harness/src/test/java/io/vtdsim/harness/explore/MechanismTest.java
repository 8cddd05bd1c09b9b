package io.vtdsim.harness.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MechanismTest {
  private static Violation stale(int step, String text, long iova) {
    return new Violation(Violation.STALE_MAPPING, step, text, "nic", iova, 0x1000, "host still maps it");
  }

  private static ScenarioResult result(List<Violation> vs, List<Event> events, List<StaleWindow> windows) {
    return new ScenarioResult(GeneratorOptions.defaultBase(), ScenarioResult.VIOLATION, false, vs, Map.of(), events,
        null, windows);
  }

  private static Event step(long seq, int index, String text) {
    return new Event(seq, 0, "harness", new EventBody.Step(index, text, 0));
  }

  private static Event flush(long seq, String decision, String reason) {
    return new Event(seq, 0, "driver", new EventBody.DriverFlush(decision, 2, 0, 0, false, reason));
  }

  @Test
  void theStepKeywordComesFromTheStepTextAndTheFinalCheckIsFinal() {
    ScenarioResult r = result(List.of(stale(3, "detach nic", 0x1000), stale(7, "final check", 0x1000),
        stale(4, "dma-unmap b1", 0x1000)), List.of(), List.of());
    assertThat(Mechanism.all(r)).extracting(Mechanism::key)
        .containsExactly("stale-mapping@detach", "stale-mapping@final", "stale-mapping@dma-unmap");
  }

  @Test
  void aRangeInALazyWindowOpenAtTheStepIsLazyAndOneOutsideOrClosedBeforeIsNot() {
    // window of nic over [0x10000, 0x12000) from step 2 to step 5
    List<StaleWindow> windows = List.of(new StaleWindow("nic", 0x10000, 0x2000, 2, 5, 0, 10));
    ScenarioResult r = result(List.of(stale(5, "advance 10ms", 0x11000), // closes at this step: lazy
        stale(6, "advance 1ms", 0x11000), // closed before: not lazy
        stale(5, "advance 10ms", 0x20000), // another range
        new Violation(Violation.STALE_MAPPING, 5, "advance 10ms", "gpu", 0x11000, 0x1000, "other device")),
        List.of(), windows);
    assertThat(Mechanism.all(r)).extracting(Mechanism::key)
        .containsExactly("stale-mapping@advance+lazy", "stale-mapping@advance");
    assertThat(Mechanism.of(r, r.violations().get(1)).lazy()).isFalse();
    assertThat(Mechanism.of(r, r.violations().get(3)).lazy()).isFalse();
    // still open (toStep -1) counts too
    ScenarioResult open = result(List.of(stale(9, "detach nic", 0x10000)), List.of(),
        List.of(new StaleWindow("nic", 0x10000, 0x1000, 2, -1, 0, -1)));
    assertThat(Mechanism.all(open)).extracting(Mechanism::key).containsExactly("stale-mapping@detach+lazy");
  }

  @Test
  void theFlushIsTheStepsDriverDecisionsWithQueueDrainsTagged() {
    List<Event> events = List.of(step(1, 0, "boot"), flush(2, "dsi", "attach 00:03.0 under CM: DSI"),
        step(3, 1, "dma-unmap b1"),
        step(4, 2, "advance 10ms"), flush(5, "dsi", "flush queue: flush-all of 3 unmaps → DSI"),
        step(6, 3, "detach nic"), flush(7, "dsi", "detach 00:03.0: DSI on the old DID"),
        flush(8, "psi", "pfn 0x10 +1 → PSI"));
    assertThat(Mechanism.flushesByStep(events))
        .containsExactly(Map.entry(0, "dsi"), Map.entry(1, "none"), Map.entry(2, "queue-dsi"), Map.entry(3, "dsi+psi"));
    ScenarioResult r = result(List.of(stale(2, "advance 10ms", 0x1000), stale(5, "map d1 ...", 0x1000)), events, List.of());
    assertThat(Mechanism.of(r, r.violations().get(0)).flush()).isEqualTo("queue-dsi");
    assertThat(Mechanism.of(r, r.violations().get(1)).flush()).as("step 5 not retained").isNull();
  }

  @Test
  void matchingComparesTheFlushOnlyWhenBothKnowIt() {
    Mechanism known = new Mechanism("stale-mapping", "advance", true, "queue-dsi");
    assertThat(known.matches(new Mechanism("stale-mapping", "advance", true, null))).isTrue();
    assertThat(known.matches(new Mechanism("stale-mapping", "advance", true, "dsi"))).isFalse();
    assertThat(known.matches(new Mechanism("stale-mapping", "advance", false, "queue-dsi"))).isFalse();
    assertThat(known.matches(new Mechanism("stale-mapping", "detach", true, "queue-dsi"))).isFalse();
    assertThat(known.matches(new Mechanism("missing-mapping", "advance", true, "queue-dsi"))).isFalse();
  }

  @Test
  void anErrorsStepIsTheOneItsMessageNames() {
    ScenarioResult r = new ScenarioResult(GeneratorOptions.defaultBase(), ScenarioResult.ERROR, false, List.of(),
        Map.of(), List.of(), "step 4 (line 9) 'dma-unmap b2': no live buffer b2");
    assertThat(Mechanism.all(r)).extracting(Mechanism::key).containsExactly("error@dma-unmap");
  }
}
