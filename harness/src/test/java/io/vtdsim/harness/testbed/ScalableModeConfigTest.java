package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.harness.scenario.ScenarioLoader;
import org.junit.jupiter.api.Test;

/** {@code scalableMode} and {@code flts} on the builder and in the configuration (QEMU's scalable-mode, fsts). */
class ScalableModeConfigTest {
  /** QEMU 11.1.3's ECAP with scalable-mode=on,fsts=on (read over qtest): 0xf42 plus SMTS (43) and FSTS (47). */
  static final long SM_FSTS_ECAP = 0x0000880000000f42L;

  @Test
  void theBuilderAndTheScenarioGiveTheSameConfiguration() {
    TestBedConfig fromScenario = TestBedBuilder.from(ScenarioLoader.parse("""
        machine: { preset: qemu-11.1, scalable-mode: true, flts: true }
        devices: [{ id: nic, bdf: "00:03.0" }]
        steps: [boot]
        """, "t.yaml")).config();
    TestBedConfig built = TestBed.builder().machine("qemu-11.1").scalableMode(true).flts(true)
        .assigned("nic", "00:03.0").config();
    assertThat(fromScenario).isEqualTo(built);
    assertThat(built.scalableMode()).isTrue();
    assertThat(built.flts()).isTrue();
    assertThat(built.machinePreset()).isEqualTo("qemu-11.1");
    assertThat(built.vtdConfig().ecap().encode()).isEqualTo(SM_FSTS_ECAP);
  }

  @Test
  void theSmPresetsAreScalableWithoutTheKeysAndTheDefaultIsLegacy() {
    TestBedConfig sm = TestBed.builder().machine("qemu-11.1-sm").config();
    assertThat(sm.scalableMode()).isTrue();
    assertThat(sm.flts()).isFalse();
    TestBedConfig fsts = TestBed.builder().machine("qemu-11.1-sm-fsts").config();
    assertThat(fsts.scalableMode()).isTrue();
    assertThat(fsts.flts()).isTrue();
    TestBedConfig legacy = TestBed.builder().config();
    assertThat(legacy.scalableMode()).isFalse();
    assertThat(legacy.flts()).isFalse();
  }

  @Test
  void anImpossibleCombinationIsRefusedByTheConfiguration() {
    assertThatThrownBy(() -> TestBed.builder().machine("qemu-11.1").flts(true).config())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("machine.flts: ");
    assertThatThrownBy(() -> TestBed.builder().scalableMode(true).config())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("machine.scalable-mode: preset qemu-7.2 has no scalable-mode unit");
    assertThatThrownBy(() -> TestBed.builder().machine("qemu-11.1").scalableMode(true).flts(true).awBits(39).config())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aw-bits 48");
  }

  /** x86-64 paging has no write-only page: a first-stage FROM_DEVICE map is readable; a second-level one is not (6.12). */
  @Test
  void aFirstStageWriteOnlyMapIsReadableInTheIntent() {
    for (boolean flts : new boolean[] {true, false}) {
      try (TestBed bed = TestBed.builder().machine("qemu-11.1").scalableMode(true).flts(flts)
          .shadowSync(flts ? "nested" : "iova-tree").assigned("nic", "00:03.0").build()) {
        bed.boot();
        long iova = bed.dmaMap("nic", 0x2000000, 0x1000, io.vtdsim.driver.Direction.FROM_DEVICE);
        var t = bed.intent().translate("nic", iova).orElseThrow();
        assertThat(t.write()).isTrue();
        assertThat(t.read()).as("flts " + flts).isEqualTo(flts);
        assertThat(bed.check()).as("flts " + flts).isEmpty();
      }
    }
  }
}
