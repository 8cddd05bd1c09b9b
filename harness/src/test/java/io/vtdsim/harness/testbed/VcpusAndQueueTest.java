package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.driver.Direction;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code machine.queue} and {@code driver.vcpus}: the unit's hardware thread and several guest CPUs. */
class VcpusAndQueueTest {
  /**
   * Linux's IOVA allocator caches freed ranges per CPU (iova.c rcache): with one vCPU the second map
   * gets the range the unmap freed; with two, the unmap ran on the other vCPU, whose cache the
   * second map (back on the first vCPU's turn) does not see, so it gets a fresh range.
   * Calls in turn: boot (vCPU 0), map (1), unmap (0), map (1).
   */
  @Test
  void aRangeFreedOnAnotherVcpuIsNotReusedByThisOne() {
    assertThat(mapUnmapMap(1)).satisfies(iovas -> assertThat(iovas.get(1)).isEqualTo(iovas.get(0)));
    assertThat(mapUnmapMap(2)).satisfies(iovas -> assertThat(iovas.get(1)).isNotEqualTo(iovas.get(0)));
  }

  private static List<Long> mapUnmapMap(int vcpus) {
    try (TestBed bed = TestBed.builder().ram(256L << 20).assigned("nic", "00:03.0").vcpus(vcpus).build()) {
      bed.boot();
      List<Long> iovas = new ArrayList<>();
      long a = bed.dmaMap("nic", 0x300000, 4096, Direction.BIDIRECTIONAL);
      iovas.add(a);
      bed.dmaUnmap("nic", a, 4096, Direction.BIDIRECTIONAL);
      iovas.add(bed.dmaMap("nic", 0x400000, 4096, Direction.BIDIRECTIONAL));
      assertThat(bed.check()).isEmpty();
      return iovas;
    }
  }

  /** The unit's hardware thread and four vCPUs: faults of an emulated device are taken and cleared, nothing is wrong. */
  @Test
  void theHardwareThreadWithFourVcpusKeepsEveryMappingRight() {
    try (TestBed bed = TestBed.builder().ram(256L << 20).assigned("nic", "00:03.0").emulated("disk", "00:04.0")
        .queue("thread").vcpus(4).build()) {
      assertThat(bed.vtdConfig().queueProcessing()).isEqualTo(VtdConfig.QueueProcessing.THREAD);
      bed.boot();
      for (int i = 0; i < 50; i++) {
        long iova = bed.dmaMap("nic", 0x300000 + i * 0x1000L, 4096, Direction.BIDIRECTIONAL);
        assertThat(bed.dma("nic", iova, true, 64, true)).isEmpty();
        assertThat(bed.dma("disk", 0x7000_0000L, false, 64, false)).isEmpty(); // nothing mapped: a fault
        bed.dmaUnmap("nic", iova, 4096, Direction.BIDIRECTIONAL);
        assertThat(bed.dma("nic", iova, true, 64, false)).isEmpty();
        assertThat(bed.check()).isEmpty();
      }
      // every fault event was taken by a vCPU, whose handler cleared the record (FSTS.PPF clear again)
      assertThat(bed.log().events().stream().filter(e -> e.kind().equals("driver.call") && e.text().startsWith("interrupt")))
          .hasSizeGreaterThanOrEqualTo(50);
    }
  }

  @Test
  void theKeysParseAndBadValuesNameTheKey() {
    String devices = "devices:\n  - { id: nic, bdf: \"00:03.0\" }\nsteps: [boot]\n";
    var s = ScenarioLoader.parse("machine:\n  queue: thread\ndriver:\n  vcpus: 3\n" + devices, "t.yaml");
    assertThat(s.machine().queue()).isEqualTo(io.vtdsim.emu.vtd.VtdConfig.QueueProcessing.THREAD);
    assertThat(s.driver().vcpus()).isEqualTo(3);
    assertThat(TestBedBuilder.from(s).config().vcpus()).isEqualTo(3);
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  queue: fast\n" + devices, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:2: machine.queue:");
    assertThatThrownBy(() -> ScenarioLoader.parse("driver:\n  vcpus: 65\n" + devices, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:2: driver.vcpus:");
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: qemu\n  queue: thread\n" + devices, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:3: machine.queue: QEMU processes");
  }
}
