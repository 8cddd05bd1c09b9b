package io.vtdsim.harness.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Step;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The explorer's model: legality and DMA expectations, against the driver's documented behaviour. */
class ScenarioModelTest {
  private final Scenario base = GeneratorOptions.defaultBase();
  private ScenarioModel m;

  @BeforeEach
  void booted() {
    m = new ScenarioModel(base);
    m.apply(new Step.Boot(0));
    m.apply(new Step.Attach(0, "nic", "d1"));
  }

  private static Step.Dma dma(String device, long iova, String op, int len) {
    return new Step.Dma(0, device, null, iova, op, len, "ok");
  }

  @Test
  void dmaIsOkOnlyWithinMappedPagesWithThePermission() {
    m.apply(new Step.MapRange(0, "d1", 0x100000, 0x2000000, 0x2000, "r"));
    assertThat(m.expectationOf(dma("nic", 0x100000, "read", 64))).isEqualTo("ok");
    assertThat(m.expectationOf(dma("nic", 0x101f00, "read", 0x100))).isEqualTo("ok");
    assertThat(m.expectationOf(dma("nic", 0x101f00, "read", 0x101))).isEqualTo("fault"); // runs past the range
    assertThat(m.expectationOf(dma("nic", 0x100000, "write", 64))).isEqualTo("fault"); // read-only
    assertThat(m.expectationOf(dma("gpu", 0x100000, "read", 64))).isEqualTo("fault"); // gpu is attached nowhere
  }

  /**
   * On a unit that offers first-stage translation a domain may be first-stage, where x86-64 paging makes
   * every present page readable: the model does not tell whether a write-only map can be read.
   */
  @Test
  void aWriteOnlyMapsReadIsNotPredictedWhereFirstStageIsOffered() {
    m.apply(new Step.MapRange(0, "d1", 0x100000, 0x2000000, 0x1000, "w"));
    assertThat(m.expectationOf(dma("nic", 0x100000, "read", 64))).isEqualTo("fault");
    Scenario fs = io.vtdsim.harness.scenario.Overrides.apply(base,
        List.of("machine.preset=qemu-11.1", "machine.scalable-mode=true", "machine.flts=true"));
    ScenarioModel f = new ScenarioModel(fs);
    f.apply(new Step.Boot(0));
    f.apply(new Step.Attach(0, "nic", "d1"));
    f.apply(new Step.MapRange(0, "d1", 0x100000, 0x2000000, 0x1000, "w"));
    assertThat(f.expectationOf(dma("nic", 0x100000, "read", 64))).isNull();
    assertThat(f.expectationOf(dma("nic", 0x100000, "write", 64))).isEqualTo("ok");
    assertThat(f.expectationOf(dma("nic", 0x101000, "read", 64))).isEqualTo("fault"); // unmapped
  }

  @Test
  void theInterruptWindowIsNotPredicted() {
    m.apply(new Step.MapRange(0, "d1", 0xFEC00000L, 0x4000000, 0x400000, "rw"));
    assertThat(m.expectationOf(dma("nic", 0xFEE00000L, "write", 64))).isNull();
    assertThat(m.illegal(dma("nic", 0xFEDFFFC0L, "write", 128))).isNotNull();
    assertThat(m.expectationOf(dma("nic", 0xFEF00000L, "write", 64))).isEqualTo("ok");
  }

  @Test
  void mapsNeverOverlapAndSuperpagesAreNotCutByPartialUnmaps() {
    m.apply(new Step.MapRange(0, "d1", 0x200000, 0x4000000, 0x200000, "rw")); // 2 MiB aligned both sides
    assertThat(m.illegal(new Step.MapRange(0, "d1", 0x3ff000, 0x5000000, 0x2000, "rw"))).contains("already mapped");
    assertThat(m.illegal(new Step.UnmapRange(0, "d1", 0x200000, 0x1000))).contains("superpage");
    assertThat(m.illegal(new Step.UnmapRange(0, "d1", 0x200000, 0x200000))).isNull();
    m.apply(new Step.MapRange(0, "d1", 0x600000, 0x4001000, 0x200000, "rw")); // gpa not congruent: 4 KiB pages only
    assertThat(m.illegal(new Step.UnmapRange(0, "d1", 0x601000, 0x1000))).isNull();
    m.apply(new Step.UnmapRange(0, "d1", 0x601000, 0x1000));
    assertThat(m.expectationOf(dma("nic", 0x601000, "read", 8))).isEqualTo("fault");
    assertThat(m.expectationOf(dma("nic", 0x602000, "read", 8))).isEqualTo("ok");
  }

  @Test
  void buffersBelongToTheirDomainAndHighIovasStayApartFromTheDmaApi() {
    m.apply(new Step.DmaMap(0, "nic", 0x3000000, 4096, "to-device", "a"));
    assertThat(m.expectationOf(new Step.Dma(0, "nic", "a", null, "write", 64, "ok"))).isEqualTo("fault");
    assertThat(m.expectationOf(new Step.Dma(0, "nic", "a", null, "read", 64, "ok"))).isEqualTo("ok");
    assertThat(m.illegal(new Step.MapRange(0, "d1", 0xFEC00000L, 0x4000000, 0x200000, "rw"))).contains("DMA-API");
    m.apply(new Step.Attach(0, "nic", "d2"));
    assertThat(m.illegal(new Step.DmaUnmap(0, "a"))).contains("left its domain");
  }

  @Test
  void replayDropsWhatLostItsDependencyAndCorrectsExpectations() {
    List<Step> steps = List.of(new Step.Boot(0), new Step.Attach(0, "nic", "d1"),
        new Step.Dma(0, "nic", null, 0x100000L, "write", 64, "ok"),
        new Step.DmaUnmap(0, "gone"),
        new Step.MapRange(0, "d9", 0x100000, 0x2000000, 0x1000, "rw"));
    ScenarioModel.Replay r = ScenarioModel.replay(base, steps);
    assertThat(r.dropped()).isEqualTo(2);
    assertThat(r.corrected()).isEqualTo(1);
    assertThat(((Step.Dma) r.steps().get(2)).expect()).isEqualTo("fault");
  }
}
