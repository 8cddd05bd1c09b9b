package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.Registers;
import org.junit.jupiter.api.Test;

/**
 * The scalable-mode presets read back, over MMIO, the CAP and ECAP values real QEMU 11.1.3 reports
 * over qtest for {@code -machine q35 -device intel-iommu,caching-mode=on,intremap=off,scalable-mode=on[,fsts=on]}.
 */
class ScalablePresetTest {
  @Test
  void qemu111ScalableModeAtAw48And39() {
    try (VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-11.1-sm", 48))) {
      assertThat(bed.r64(Registers.CAP)).isEqualTo(0x80d2008c222f0686L);
      assertThat(bed.r64(Registers.ECAP)).isEqualTo(0x0000480080000f42L);
      assertThat(bed.r32(Registers.VER)).isEqualTo(0x10);
    }
    try (VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-11.1-sm", 39))) {
      assertThat(bed.r64(Registers.CAP)).isEqualTo(0x80d2008c22260286L);
      assertThat(bed.r64(Registers.ECAP)).isEqualTo(0x0000480080000f42L);
    }
  }

  @Test
  void qemu111ScalableModeWithFirstStage() {
    try (VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-11.1-sm-fsts", 48))) {
      assertThat(bed.r64(Registers.CAP)).isEqualTo(0x81d2008c222f0686L);
      assertThat(bed.r64(Registers.ECAP)).isEqualTo(0x0000880000000f42L);
      assertThat(bed.config.fenceOnlyWaitAccepted()).isTrue();
    }
  }
}
