package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BackendDiff on hand-built event logs: what counts as a difference, per aspect and per step. */
class BackendDiffTest {
  private static final Scenario S = ScenarioLoader.parse("steps: [boot]", "t.yaml");

  /** A tiny event log builder: steps, host calls, verdicts, DMA, faults. */
  private static final class Log {
    final List<Event> events = new ArrayList<>();

    Log add(String kind, Map<String, Object> attrs) {
      events.add(new Event(events.size(), 0, kind, "t", null, attrs));
      return this;
    }

    Log step(int i, String text) {
      return add(EventKinds.STEP, Attrs.of("index", i, "text", text, "line", 0));
    }

    Log verdict(int i, String kinds) {
      return add(EventKinds.VERDICT, Attrs.of("index", i, "violations", kinds.isEmpty() ? 0 : 1, "kinds", kinds));
    }

    Log map(long iova, long gpa, long size, String result) {
      return add(EventKinds.HOST_MAP, Attrs.of("container", "nic", "iova", iova, "size", size, "gpa", gpa,
          "read", true, "write", true, "result", result));
    }

    Log unmap(long iova, long size, long unmapped) {
      return add(EventKinds.HOST_UNMAP, Attrs.of("container", "nic", "iova", iova, "size", size, "result", "ok",
          "unmapped", unmapped));
    }

    ScenarioResult result(String machine) {
      return new ScenarioResult(S, "pass", true, List.of(), Map.of(), events, null, List.of(), machine);
    }
  }

  @Test
  void theSameCallsInAnotherOrderAgreeAndSetupCallsAreNotCompared() {
    ScenarioResult a = new Log().map(0, 0, 1 << 30, "ok").step(0, "map").map(0x100000, 0x3000000, 0x1000, "ok")
        .map(0x200000, 0x4000000, 0x1000, "ok").verdict(0, "").result("model");
    // QEMU's setup maps RAM in other pieces; what they leave is compared, not the calls
    ScenarioResult b = new Log().map(0, 0, 1 << 30, "ok").unmap(0, 1 << 30, 1 << 30).map(0, 0, 1 << 30, "ok")
        .step(0, "map").map(0x200000, 0x4000000, 0x1000, "ok").map(0x100000, 0x3000000, 0x1000, "ok")
        .verdict(0, "").result("QEMU 11.1.3");
    BackendDiff.Result d = BackendDiff.compare(a, b, "model");
    assertThat(d.agree()).as(BackendDiff.text(d)).isTrue();
    assertThat(BackendDiff.text(d)).startsWith("same   t: model vs QEMU 11.1.3: agree on every step (1 incl.");
  }

  @Test
  void aDifferentTargetIsACallAMappingAndAVerdictDifference() {
    ScenarioResult a = new Log().step(0, "map").map(0x100000, 0x3000000, 0x1000, "ok").verdict(0, "")
        .step(1, "final check").verdict(1, "").result("model");
    ScenarioResult b = new Log().step(0, "map").map(0x100000, 0x3001000, 0x1000, "ok").verdict(0, "wrong-target")
        .step(1, "final check").verdict(1, "").result("QEMU 11.1.3");
    BackendDiff.Result d = BackendDiff.compare(a, b, "model");
    assertThat(d.agree()).isFalse();
    // the wrong mapping persists, so the final check's state differs too
    assertThat(d.differing()).extracting(BackendDiff.StepDiff::index).containsExactly(0, 1);
    List<BackendDiff.Difference> step0 = d.differing().get(0).differences();
    assertThat(step0).extracting(BackendDiff.Difference::aspect)
        .containsExactly("host calls", "host mappings after the step", "verdict");
    assertThat(step0.get(0).modelOnly()).containsExactly("map nic iova 0x100000 size 4KiB -> gpa 0x3000000 rw: ok");
    assertThat(step0.get(0).qemuOnly()).containsExactly("map nic iova 0x100000 size 4KiB -> gpa 0x3001000 rw: ok");
    assertThat(step0.get(2).modelOnly()).containsExactly("ok");
    assertThat(step0.get(2).qemuOnly()).containsExactly("wrong-target");
    assertThat(d.differing().get(1).differences()).extracting(BackendDiff.Difference::aspect)
        .containsExactly("host mappings after the step");
  }

  @Test
  void anUnmapRemovesTheMappingsStartingInItsRangeFromTheReplayedState() {
    ScenarioResult a = new Log().step(0, "map").map(0x100000, 0x3000000, 0x1000, "ok").map(0x101000, 0x3001000, 0x1000, "ok")
        .verdict(0, "").step(1, "unmap").unmap(0x100000, 0x2000, 0x2000).verdict(1, "").result("model");
    // QEMU unmaps in two calls, one of which covers nothing: the state after the step is the same
    ScenarioResult b = new Log().step(0, "map").map(0x100000, 0x3000000, 0x1000, "ok").map(0x101000, 0x3001000, 0x1000, "ok")
        .verdict(0, "").step(1, "unmap").unmap(0x100000, 0x2000, 0x2000).unmap(0x200000, 0x1000, 0).verdict(1, "")
        .result("QEMU 11.1.3");
    BackendDiff.Result d = BackendDiff.compare(a, b, "model");
    assertThat(d.differing()).hasSize(1);
    BackendDiff.Difference only = d.differing().get(0).differences().get(0);
    assertThat(only.aspect()).isEqualTo("host calls");
    assertThat(only.modelOnly()).isEmpty();
    assertThat(only.qemuOnly()).containsExactly("unmap nic iova 0x200000 size 4KiB: ok (unmapped 0B)");
  }

  @Test
  void faultRecordsAndDmaAreCompared() {
    ScenarioResult a = new Log().step(0, "dma")
        .add("vtd.fault", Attrs.of("sid", 0x20, "addr", 0x100040L, "reason", 6, "read", true, "recorded", true))
        .add(EventKinds.DMA_FAULT, Attrs.of("device", "disk", "op", "read", "iova", 0x100040L, "reason", "x"))
        .verdict(0, "").result("model");
    ScenarioResult b = new Log().step(0, "dma")
        .add("qemu.fault", Attrs.of("sid", 0x20, "iova", 0x100000L, "reason", 6))
        .add(EventKinds.DMA_FAULT, Attrs.of("device", "disk", "op", "read", "iova", 0x100040L, "reason", "y"))
        .verdict(0, "").result("QEMU 11.1.3");
    assertThat(BackendDiff.compare(a, b, "model").agree()).isTrue();
    ScenarioResult c = new Log().step(0, "dma")
        .add(EventKinds.DMA_OK, Attrs.of("device", "disk", "op", "read", "iova", 0x100040L, "length", 64))
        .verdict(0, "").result("QEMU 11.1.3");
    BackendDiff.Result d = BackendDiff.compare(a, c, "model");
    assertThat(d.differing().get(0).differences()).extracting(BackendDiff.Difference::aspect)
        .containsExactly("fault records", "DMA");
    assertThat(d.differing().get(0).differences().get(0).modelOnly()).containsExactly("sid 00:04.0 reason 0x6 page 0x100000");
    assertThat(BackendDiff.json(List.of(d))).contains("\"agree\" : false").contains("\"aspect\" : \"DMA\"")
        .contains("\"qemuOnly\" : [ \"disk read at 0x100040: moved\" ]");
  }

  /** The model side of a diff: the preset of QEMU's major.minor, else the newest QEMU preset; fidelity qemu. */
  @Test
  void theModelCounterpartIsQemusVersionAtQemuFidelity() {
    assertThat(BackendDiff.presetFor("QEMU 11.1.3")).isEqualTo("qemu-11.1");
    assertThat(BackendDiff.presetFor("QEMU 7.2.0")).isEqualTo("qemu-7.2");
    assertThat(BackendDiff.presetFor("QEMU 12.0.0")).isEqualTo("qemu-11.1");
    Scenario m = BackendDiff.modelCounterpart(ScenarioLoader.parse(
        "machine: { backend: qemu, shadow-sync: psi-only }\nsteps: [boot]\n", "t.yaml"), "QEMU 11.1.3");
    assertThat(m.machine().backendOrDefault().label()).isEqualTo("model");
    assertThat(BackendDiff.label(m)).isEqualTo("model (iova-tree, qemu-11.1, fidelity qemu)");
  }

  /** A scalable-mode scenario keeps its mode on the model side, whether keys or a -sm preset chose it. */
  @Test
  void theModelCounterpartKeepsTheTranslationMode() {
    Scenario preset = BackendDiff.modelCounterpart(ScenarioLoader.parse(
        "machine: { preset: qemu-11.1-sm-fsts }\nsteps: [boot]\n", "t.yaml"), "QEMU 11.1.3");
    assertThat(BackendDiff.label(preset)).isEqualTo("model (iova-tree, qemu-11.1-sm-fsts, fidelity qemu)");
    assertThat(preset.machine().vtdConfig().ecap().fsts()).isTrue();
    Scenario keys = BackendDiff.modelCounterpart(ScenarioLoader.parse(
        "machine: { preset: qemu-11.1, scalable-mode: true }\nsteps: [boot]\n", "t.yaml"), "QEMU 11.1.3");
    assertThat(BackendDiff.label(keys)).isEqualTo("model (iova-tree, qemu-11.1-sm, fidelity qemu)");
    assertThat(keys.machine().vtdConfig().ecap().smts()).isTrue();
    assertThat(keys.machine().vtdConfig().ecap().fsts()).isFalse();
  }
}
