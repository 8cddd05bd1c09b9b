package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.RemappingObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * With nobody listening (retention 0, no subscriber) the driver sends a single PSI as two words
 * without building its decision (Flusher.flushRange), and the unit executes IOTLB and wait
 * descriptors from their words: the queue page must hold the same descriptors, and the unit's
 * observers hear the same IOTLB invalidations, as while events are recorded — per preset and policy.
 */
class QuietFlushPathTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  @ParameterizedTest
  @EnumSource(FlushPolicyName.class)
  void theQueueSeesTheSameDescriptorsWithAndWithoutListeners(FlushPolicyName policy) {
    for (DriverPreset preset : DriverPreset.values()) {
      DriverConfig config = DriverConfig.of(preset).withFlush(policy);
      Run recorded;
      Run quiet;
      try (Rig r = new Rig(config); Rig q = new Rig(config)) {
        q.log.retaining(0);
        recorded = run(r);
        quiet = run(q);
      }
      assertThat(quiet.invalidations).as("%s under %s", preset, policy).isEqualTo(recorded.invalidations);
      assertThat(quiet.queuePage).as("%s under %s: queue page", preset, policy).isEqualTo(recorded.queuePage);
      assertThat(recorded.invalidations).as("%s under %s: the sequence flushes", preset, policy).isNotEmpty();
    }
  }

  private record Run(List<String> invalidations, byte[] queuePage) {}

  private static Run run(Rig rig) {
    List<String> heard = new ArrayList<>();
    rig.unit.addObserver(new RemappingObserver() {
      @Override
      public void iotlbInvalidated(long lo, long hi) {
        heard.add(Long.toHexString(lo) + ":" + Long.toHexString(hi));
      }
    });
    rig.driver.boot(List.of(DEV));
    rig.driver.mapSingle(DEV, 0x10_0000, 8, Direction.TO_DEVICE);
    // one page, an unaligned 3-page range (AM corrected from 5.18), 300 pages, a 2 MiB superpage
    long[][] maps = {{0x20_0123, 100}, {0x30_0ff0, 0x2010}, {0x40_0000, 300 * 4096}, {0x80_0000, 0x20_0000}};
    List<Long> iovas = new ArrayList<>();
    for (long[] m : maps) iovas.add(rig.driver.mapSingle(DEV, m[0], m[1], Direction.BIDIRECTIONAL));
    for (int i = 0; i < maps.length; i++) rig.driver.unmapSingle(DEV, iovas.get(i), maps[i][1], Direction.BIDIRECTIONAL);
    long queue = InvalidationQueueRegisters.base(rig.unit.read(Registers.IQA, 8));
    return new Run(heard, rig.memory.read(queue, GuestMemory.PAGE_SIZE));
  }
}
