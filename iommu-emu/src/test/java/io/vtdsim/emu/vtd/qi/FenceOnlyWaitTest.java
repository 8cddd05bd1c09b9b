package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A wait descriptor with only FN set: the VT-d spec (6.5.2.8) lets it execute, and so does QEMU since
 * September 2025; QEMU 7.2's vtd_process_wait_desc (hw/i386/intel_iommu.c) raises IQE for it. The
 * decoder stays spec-pure; the unit's configuration decides.
 */
class FenceOnlyWaitTest {
  static final long QUEUE = 0x10_0000;
  static final InvalidationWait FENCE_ONLY = new InvalidationWait(false, false, true, false, 0, 0);

  private static VtdTestBed bed(VtdConfig config) {
    VtdTestBed bed = new VtdTestBed(config);
    bed.enableQueue(QUEUE, 0);
    return bed;
  }

  @Test
  void decodingAcceptsFenceOnly() {
    assertThat(InvalidationDescriptor.decode(FENCE_ONLY.lo(), FENCE_ONLY.hi(), false)).isEqualTo(FENCE_ONLY);
  }

  @Test
  void presetsFollowTheirVersions() {
    assertThat(VtdConfig.preset("qemu-7.2", 48).fenceOnlyWaitAccepted()).isFalse();
    assertThat(VtdConfig.preset("qemu-10.2", 48).fenceOnlyWaitAccepted()).isTrue();
    assertThat(VtdConfig.preset("bare-metal", 48).fenceOnlyWaitAccepted()).isTrue();
    assertThat(VtdConfig.qemu72().withAddressWidth(39).withFenceOnlyWaitAccepted(true).fenceOnlyWaitAccepted())
        .isTrue();
  }

  @Test
  void qemu72RaisesIqeAndKeepsTheHeadOnIt() {
    VtdTestBed bed = bed(VtdConfig.qemu72());
    bed.submit(FENCE_ONLY);
    assertThat(bed.fsts() & FaultStatus.IQE).isEqualTo(FaultStatus.IQE);
    assertThat(bed.head()).isZero();
    assertThat(bed.events(InvalidationQueue.EV_WAIT_COMPLETE)).isEmpty();
    assertThat(bed.events(InvalidationQueue.EV_IQE)).singleElement()
        .satisfies(e -> assertThat(String.valueOf(e.attrs().get("reason"))).contains("only FN"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"qemu-10.2", "bare-metal"})
  void specAndNewQemuExecuteIt(String preset) {
    VtdTestBed bed = bed(VtdConfig.preset(preset, 48));
    bed.submit(FENCE_ONLY);
    assertThat(bed.fsts()).isZero();
    assertThat(bed.head()).isEqualTo(1);
    assertThat(bed.events(InvalidationQueue.EV_WAIT_COMPLETE)).hasSize(1);
  }

  @Test
  void qemu72StillAcceptsFnTogetherWithSw() {
    VtdTestBed bed = bed(VtdConfig.qemu72());
    bed.submit(new InvalidationWait(false, true, true, false, 2, 0x8000));
    assertThat(bed.fsts()).isZero();
    assertThat(bed.memory.read32(0x8000)).isEqualTo(2);
  }
}
