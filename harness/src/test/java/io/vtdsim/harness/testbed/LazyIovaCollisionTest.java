package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import org.junit.jupiter.api.Test;

/**
 * Found by `vtdsim explore` (linux-5.10, lazy): two domains hand out the same IOVA (each domain has its
 * own IOVA allocator). The nic's 20 KiB buffer still waits in the flush queue when the disk's 12 KiB
 * buffer at the same IOVA in another domain is unmapped; the nic's stale window must stay tolerated
 * over its whole 20 KiB.
 */
class LazyIovaCollisionTest {
  private static final String YAML = """
      driver: { preset: linux-5.10, dma-mode: lazy }
      devices:
        - { id: nic, bdf: "00:03.0", kind: assigned }
        - { id: disk, bdf: "00:04.0", kind: emulated }
      steps:
        - boot
        - attach: { device: nic, domain: d1 }
        - attach: { device: disk, domain: d3 }
        - dma-map: { device: disk, gpa: 0x2088a000, size: 1B, dir: bidirectional, as: b1 }
        - dma-map: { device: nic, gpa: 0x311e2000, size: 20KiB, dir: bidirectional, as: b2 }
        - dma-unmap: { handle: b2 }
        - dma-map: { device: disk, gpa: 0x7b666a0, size: 9264B, dir: bidirectional, as: b4 }
        - dma-unmap: { handle: b4 }
      """;

  @Test
  void sameIovaInTwoDomainsKeepsEachQueuedRangeItsOwnLength() {
    ScenarioResult r = new ScenarioRunner().run(ScenarioLoader.parse(YAML, "collision.yaml"));
    assertThat(r.error()).isNull();
    assertThat(r.violations()).isEmpty();
    assertThat(r.met()).isTrue();
  }
}
