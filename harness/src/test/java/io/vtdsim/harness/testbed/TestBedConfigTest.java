package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.driver.DmaMode;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.FlushPolicyName;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.machine.EmulatedMachine;
import io.vtdsim.harness.scenario.ScenarioLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builder parses names once; the configuration carries types; the scenario and the builder agree. */
class TestBedConfigTest {
  @Test
  void namesBecomeTypesAtTheBuilder() {
    TestBedConfig c = TestBed.builder().shadowSync("psi-only").host("iommufd").driver("linux-5.10")
        .flush("always-dsi").dmaMode("lazy").superpages("1G", "2M").backend("model").config();
    assertThat(c.shadowSync()).isEqualTo(ShadowStrategy.PSI_ONLY);
    assertThat(c.host()).isEqualTo(HostSemantics.IOMMUFD);
    assertThat(c.driverPreset()).isEqualTo(DriverPreset.LINUX_5_10);
    assertThat(c.flush()).isEqualTo(FlushPolicyName.ALWAYS_DSI);
    assertThat(c.dmaMode()).isEqualTo(DmaMode.LAZY);
    assertThat(c.superpages()).containsExactly(Superpage.SIZE_1G, Superpage.SIZE_2M);
    assertThat(c.backend()).isEqualTo(Backend.MODEL);
    // CAP.SLLPS: bit 0 = 2 MiB, bit 1 = 1 GiB (VT-d spec 11.4.2)
    assertThat(c.vtdConfig().cap().sllps()).isEqualTo(0b11);
    assertThat(TestBed.builder().superpages("2M").config().vtdConfig().cap().sllps()).isEqualTo(0b01);
    assertThat(TestBed.builder().superpages().config().vtdConfig().cap().sllps()).isZero();
  }

  @Test
  void anUnknownNameFailsAtItsOwnCall() {
    assertThatThrownBy(() -> TestBed.builder().shadowSync("tree")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'tree'");
    assertThatThrownBy(() -> TestBed.builder().superpages("4M")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2M or 1G");
    assertThatThrownBy(() -> TestBed.builder().machine("qemu-6.0")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("qemu-7.2");
    assertThatThrownBy(() -> TestBed.builder().backend("kvm")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model, qemu");
  }

  @Test
  void aScenarioGivesTheSameConfigurationAsTheBuilder() {
    var s = ScenarioLoader.parse("""
        machine: { preset: qemu-10.2, aw-bits: 39, shadow-sync: unmap-all-replay, host: iommufd, superpages: [2M] }
        driver: { preset: linux-6.1, flush: global, dma-mode: lazy }
        devices:
          - { id: nic, bdf: "00:03.0" }
          - { id: edu, bdf: "00:04.0", kind: emulated }
        steps: [boot]
        """, "t.yaml");
    TestBedConfig fromScenario = TestBedBuilder.from(s).config();
    TestBedConfig built = TestBed.builder().machine("qemu-10.2").awBits(39).shadowSync(ShadowStrategy.UNMAP_ALL_REPLAY)
        .host(HostSemantics.IOMMUFD).superpages(List.of(Superpage.SIZE_2M)).driver(DriverPreset.LINUX_6_1)
        .flush(FlushPolicyName.GLOBAL).dmaMode(DmaMode.LAZY).assigned("nic", "00:03.0").emulated("edu", "00:04.0")
        .config();
    assertThat(fromScenario).isEqualTo(built);
  }

  @Test
  void theModelBackendIsTheEmulatedMachine() {
    try (TestBed bed = TestBed.builder().assigned("nic", "00:03.0").build()) {
      assertThat(bed.backend()).isEqualTo(Backend.MODEL);
      assertThat(bed.machine()).isInstanceOf(EmulatedMachine.class);
      assertThat(bed.machine().version()).isEqualTo("model");
      assertThat(bed.unit()).isSameAs(((EmulatedMachine) bed.machine()).unit());
      assertThat(bed.hosts()).containsOnlyKeys("nic");
    }
  }

  /** Linux 5.10's __intel_map_single adds DMA_PTE_READ to DMA_FROM_DEVICE maps when CAP.ZLR=0; 5.11 dropped it. */
  @Test
  void writeOnlyMapsGetReadExactlyInTheErasThatSaySo() {
    for (DriverPreset p : DriverPreset.values()) {
      try (TestBed bed = TestBed.builder().driver(p).assigned("nic", "00:03.0").build()) {
        bed.boot();
        long iova = bed.dmaMap("nic", 0x2000000, 0x1000, io.vtdsim.driver.Direction.FROM_DEVICE);
        boolean read = bed.intent().translate("nic", iova).orElseThrow().read();
        boolean expected = p == DriverPreset.LINUX_4_10 || p == DriverPreset.LINUX_5_10;
        assertThat(read).as(p.label()).isEqualTo(expected);
        assertThat(bed.check()).as(p.label()).isEmpty();
      }
    }
  }
}
