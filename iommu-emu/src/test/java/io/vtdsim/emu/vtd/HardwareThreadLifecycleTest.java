package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The THREAD-mode hardware thread exists only in THREAD mode and ends with close(). */
class HardwareThreadLifecycleTest {
  @Test
  void inlineModeHasNoThread() {
    VtdTestBed bed = VtdTestBed.qemu72();
    assertThat(bed.unit.hardwareThreadRunning()).isFalse();
    bed.close();
  }

  @Test
  void closeStopsTheThreadAndMayBeRepeated() {
    VtdTestBed bed = new VtdTestBed(VtdConfig.qemu72().withQueueProcessing(VtdConfig.QueueProcessing.THREAD));
    assertThat(bed.unit.hardwareThreadRunning()).isTrue();
    bed.close();
    assertThat(bed.unit.hardwareThreadRunning()).isFalse();
    bed.close();
    assertThat(bed.unit.hardwareThreadRunning()).isFalse();
  }
}
