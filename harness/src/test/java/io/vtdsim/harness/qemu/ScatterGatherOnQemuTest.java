package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.harness.report.EventKinds;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * examples/scatter-gather.yaml on real QEMU: its declared qemu outcome, the same layout as on the model
 * (the driver is the same; QEMU only sees the PSIs), and QEMU's DMA_MAPs of the list's pages including
 * the padding (13 pages onto the guest pages after segment 1).
 */
@Tag("qemu")
class ScatterGatherOnQemuTest {
  @Test
  void theListRunsOnQemuAsDeclaredWithThePaddingMapped() {
    QemuTests.installation();
    ScenarioResult r = new ScenarioRunner().run(Overrides.apply(
        ScenarioLoader.load(Path.of("..", "examples", "scatter-gather.yaml")), List.of("machine.backend=qemu")));
    assertThat(r.machine()).startsWith("QEMU 11.");
    assertThat(r.error()).isNull();
    assertThat(r.violations()).isEmpty();
    assertThat(r.met()).isTrue();
    assertThat(r.events().stream().filter(e -> e.kind().equals(EventKinds.DMA_SG)).map(Event::detail).findFirst())
        .contains("IOVA [0xfffe0000, +120KiB): segment 0 at 0xfffe0800, segment 1 at 0xfffe1000 (+52KiB padding),"
            + " segment 2 at 0xffff0000; 2 DMA segments: 0xfffe0800 +10KiB, 0xffff0000 +56KiB");
    // the set-up's identity map, then for the 30-page PSI one DMA_MAP per present page: segment 0's
    // page, segment 1's 2 + 13 padding pages, segment 2's 14
    assertThat(r.counters().get("host-map")).isEqualTo(1 + 30);
    assertThat(r.counters().get("dma-ok")).isEqualTo(4);
    assertThat(r.counters().get("dma-fault")).isEqualTo(1);
  }
}
