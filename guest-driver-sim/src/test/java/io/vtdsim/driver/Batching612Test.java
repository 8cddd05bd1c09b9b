package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** 6.12 batches up to 16 descriptors per qi_submit_sync; earlier eras submit each alone (qi_batch in drivers/iommu/intel/cache.c, 6.12). */
class Batching612Test {
  static final SourceId DEV = SourceId.parse("00:03.0");

  private static Rig rig(String preset) {
    // MAMV 0 with strict-psi: a 20-page unmap is 20 single-page PSIs
    Rig rig = new Rig(DriverConfig.of(preset).withFlush(FlushPolicyName.STRICT_PSI),
        Rig.qemuCap(48).withMamv(0), Rig.qemuEcap());
    rig.driver.boot(List.of(DEV));
    rig.driver.attach(DEV, "user");
    rig.driver.map("user", 0x100000, 0x4000000, 20 * 4096, true, true);
    rig.resetRecording();
    rig.driver.unmap("user", 0x100000, 20 * 4096);
    return rig;
  }

  @Test
  void linux612SubmitsSixteenThenFour() {
    Rig rig = rig("linux-6.12");
    assertThat(rig.submissions()).extracting(List::size).containsExactly(17, 5);
    assertThat(rig.submissions()).allSatisfy(s -> assertThat(s.get(s.size() - 1)).isInstanceOf(InvalidationWait.class));
    assertThat(rig.invalidations()).hasSize(20);
  }

  @Test
  void linux61SubmitsEachDescriptorAlone() {
    Rig rig = rig("linux-6.1");
    assertThat(rig.submissions()).hasSize(20).allSatisfy(s -> assertThat(s).hasSize(2));
  }
}
