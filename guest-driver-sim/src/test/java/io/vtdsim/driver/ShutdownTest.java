package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Shutdown: intel_iommu_shutdown (6c3a44ed3c55, 5.1) turns translation off — GCMD with only QIE, then
 * GSTS (a Linux 6.1 guest's trace on QEMU 7.2, docs/linux-6.1-trace.md §1: GCMD=0x04000000, no
 * invalidations); 4.10 had no shutdown hook.
 */
class ShutdownTest {
  static final SourceId NIC = SourceId.parse("00:03.0");

  @ParameterizedTest
  @EnumSource(value = DriverPreset.class, names = {"LINUX_5_10", "LINUX_5_18", "LINUX_6_1", "LINUX_6_12"})
  void translationGoesOffWithQueuedInvalidationKept(DriverPreset preset) {
    Rig rig = new Rig(DriverConfig.of(preset));
    rig.driver.boot(List.of(NIC));
    int writesBefore = rig.registerWrites().size();
    rig.resetRecording();
    rig.driver.shutdown();
    assertThat(rig.registerWrites().subList(writesBefore, rig.registerWrites().size())).containsExactly("GCMD=0x4000000");
    assertThat(rig.invalidations()).isEmpty();
    assertThatThrownBy(() -> rig.driver.mapSingle(NIC, 0x100000, 4096, Direction.TO_DEVICE))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
  }

  @Test
  void linux410LeavesTranslationOn() {
    Rig rig = new Rig("linux-4.10");
    rig.driver.boot(List.of(NIC));
    int writesBefore = rig.registerWrites().size();
    rig.driver.shutdown();
    assertThat(rig.registerWrites()).hasSize(writesBefore);
  }
}
