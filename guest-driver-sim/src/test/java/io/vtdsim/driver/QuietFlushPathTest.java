package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.SourceId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * With nobody listening (retention 0, no subscriber) the driver sends a single PSI as two words
 * without building its decision (Flusher.flushRange): the unit must receive exactly the descriptors,
 * in the same submissions, that it receives while events are recorded — per preset and policy.
 */
class QuietFlushPathTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  @ParameterizedTest
  @EnumSource(FlushPolicyName.class)
  void theQueueSeesTheSameDescriptorsWithAndWithoutListeners(FlushPolicyName policy) {
    for (DriverPreset preset : DriverPreset.values()) {
      DriverConfig config = DriverConfig.of(preset).withFlush(policy);
      Rig recorded = new Rig(config);
      Rig quiet = new Rig(config);
      quiet.log.retaining(0);
      List<List<InvalidationDescriptor>> a = run(recorded);
      List<List<InvalidationDescriptor>> b = run(quiet);
      assertThat(b).as("%s under %s", preset, policy).isEqualTo(a);
      assertThat(a).as("%s under %s: the sequence flushes", preset, policy).isNotEmpty();
    }
  }

  private static List<List<InvalidationDescriptor>> run(Rig rig) {
    rig.driver.boot(List.of(DEV));
    rig.driver.mapSingle(DEV, 0x10_0000, 8, Direction.TO_DEVICE);
    rig.resetRecording();
    // one page, an unaligned 3-page range (AM corrected from 5.18), 300 pages, a 2 MiB superpage
    long[][] maps = {{0x20_0123, 100}, {0x30_0ff0, 0x2010}, {0x40_0000, 300 * 4096}, {0x80_0000, 0x20_0000}};
    List<Long> iovas = new ArrayList<>();
    for (long[] m : maps) iovas.add(rig.driver.mapSingle(DEV, m[0], m[1], Direction.BIDIRECTIONAL));
    for (int i = 0; i < maps.length; i++) rig.driver.unmapSingle(DEV, iovas.get(i), maps[i][1], Direction.BIDIRECTIONAL);
    List<List<InvalidationDescriptor>> out = new ArrayList<>();
    for (List<InvalidationDescriptor> s : rig.unit.submissions) out.add(List.copyOf(s));
    return out;
  }
}
