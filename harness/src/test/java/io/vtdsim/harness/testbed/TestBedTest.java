package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.driver.Direction;
import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.vtd.UnitBehaviour;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Scenario;
import org.junit.jupiter.api.Test;

/** The TestBed wires one machine from one configuration and exposes the driver APIs with the oracle. */
class TestBedTest {
  static final long MiB = 1L << 20;

  @Test
  void fidelityPicksTheUnitBehaviourOfThePresetsQemuVersion() {
    try (TestBed strict = TestBed.builder().machine("qemu-11.1").assigned("nic", "00:03.0").build();
        TestBed qemu72 = TestBed.builder().machine("qemu-7.2").fidelity("qemu").assigned("nic", "00:03.0").build();
        TestBed qemu11 = TestBed.builder().machine("qemu-11.1").fidelity("qemu").assigned("nic", "00:03.0").build()) {
      assertThat(strict.vtdConfig().behaviour()).isEqualTo(UnitBehaviour.STRICT);
      assertThat(strict.vtdConfig().negativeCaching()).isTrue();
      assertThat(qemu72.vtdConfig().behaviour()).isEqualTo(UnitBehaviour.QEMU_7_2);
      assertThat(qemu11.vtdConfig().behaviour()).isEqualTo(UnitBehaviour.QEMU_11_1);
      assertThat(qemu11.vtdConfig().negativeCaching()).isFalse();
      assertThat(qemu11.vtdConfig().cap().encode()).isEqualTo(0x80d2008c222f0686L); // measured on QEMU 11.1.3
    }
    // an explicit negative-caching key still wins over the fidelity's default
    try (TestBed bed = TestBed.builder().machine("qemu-7.2").fidelity("qemu").negativeCaching(true)
        .assigned("nic", "00:03.0").build()) {
      assertThat(bed.vtdConfig().negativeCaching()).isTrue();
    }
    assertThatThrownBy(() -> TestBed.builder().machine("bare-metal").fidelity("qemu").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bare-metal is no QEMU");
    assertThatThrownBy(() -> TestBed.builder().fidelity("exact").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strict, qemu");
  }

  @Test
  void fluentBuilderAppliesEveryMachineOverride() {
    try (TestBed bed = TestBed.builder().machine("qemu-10.2").awBits(39).ram(512 * MiB).psi(false).mamv(5)
        .superpages().queuedInvalidation(false).negativeCaching(false).shadowSync("psi-only").host("iommufd")
        .driver("linux-5.10").flush("always-dsi").dmaMode("lazy")
        .assigned("nic", "00:03.0").emulated("disk", "00:04.0").build()) {
      var cap = bed.vtdConfig().cap();
      assertThat(cap.psi()).isFalse();
      assertThat(cap.mamv()).isEqualTo(5);
      assertThat(cap.sllps()).isZero();
      assertThat(cap.guestAddressWidth()).isEqualTo(39);
      assertThat(cap.esrtps()).isTrue(); // qemu-10.2
      assertThat(bed.vtdConfig().ecap().qi()).isFalse();
      assertThat(bed.vtdConfig().negativeCaching()).isFalse();
      assertThat(bed.memory().ramSize()).isEqualTo(512 * MiB);
      assertThat(bed.shadow().strategy().name()).isEqualTo("psi-only");
      assertThat(bed.host("nic").semantics().label()).isEqualTo("iommufd");
      assertThat(bed.driverConfig().preset().label()).isEqualTo("linux-5.10");
      assertThat(bed.driverConfig().flush().label()).isEqualTo("always-dsi");
      assertThat(bed.driverConfig().dmaMode().label()).isEqualTo("lazy");
      assertThat(bed.deviceIds()).containsExactly("nic", "disk");
      assertThat(bed.device("disk").sid().toString()).isEqualTo("00:04.0");
      assertThatThrownBy(() -> bed.host("disk")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not an assigned device");
    }
  }

  @Test
  void theTablePoolSitsAtTheTopOfLowRamAndScenarioGpasMustAvoidIt() {
    try (TestBed bed = TestBed.builder().assigned("nic", "00:03.0").build()) {
      assertThat(bed.tablePoolBase() + bed.tablePoolSize()).isEqualTo(1L << 30);
      assertThat(bed.tablePoolSize()).isEqualTo(TestBed.MAX_TABLE_POOL);
      bed.boot();
      bed.attach("nic", "d1");
      assertThatThrownBy(() -> bed.map("d1", 0x100000, bed.tablePoolBase(), 0x1000, true, true))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("table pool");
      assertThatThrownBy(() -> bed.dmaMap("nic", (1L << 30) - 0x1000, 0x2000, Direction.TO_DEVICE))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not guest RAM");
    }
  }

  @Test
  void javaApiRoundTripKeepsTheHostExact() {
    try (TestBed bed = TestBed.builder().driver("linux-6.1").assigned("nic", "00:03.0").build()) {
      // before boot translation is off: the host maps RAM 1:1 (QEMU's no-DMAR alias)
      assertThat(bed.check()).isEmpty();
      assertThat(bed.host("nic").lookup(0x3000000)).map(m -> m.gpa() + (0x3000000 - m.iova())).contains(0x3000000L);
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 2 * MiB, true, true);
      assertThat(bed.checkIncremental()).isEmpty();
      assertThat(bed.host("nic").lookup(0x180000)).map(m -> m.gpa() + (0x180000 - m.iova())).contains(0x2080000L);
      long iova = bed.dmaMap("nic", 0x3000000, 0x2000, Direction.FROM_DEVICE);
      assertThat(bed.dma("nic", iova, true, 0x2000, true)).isEmpty();
      assertThat(bed.dma("nic", iova, false, 16, true))
          .as("FROM_DEVICE is write-only on linux-6.12 (dma_info_to_prot, drivers/iommu/dma-iommu.c)")
          .extracting(Violation::kind).containsExactly(Violation.UNEXPECTED_FAULT);
      bed.dmaUnmap("nic", iova, 0x2000, Direction.FROM_DEVICE);
      assertThat(bed.dma("nic", iova, true, 8, false)).isEmpty();
      bed.unmap("d1", 0x100000, 2 * MiB);
      assertThat(bed.check()).isEmpty();
      // Linux 6.1 under CM strict: one PSI per map and per unmap, IOMMU API and DMA API alike, each with its
      // own wait descriptor (linux-6.1-trace.md §4): map, dmaMap, dmaUnmap, unmap = 4 PSIs
      Counters c = bed.counters();
      assertThat(c.get("desc-iotlb-psi")).isEqualTo(4);
      assertThat(c.get("desc-wait")).isEqualTo(c.get("desc-cc-global") + c.get("desc-cc-domain")
          + c.get("desc-cc-device") + c.get("desc-iotlb-global") + c.get("desc-iotlb-dsi") + c.get("desc-iotlb-psi"));
      // the format of run --trace: #seq, simulated time, source, decoded text
      assertThat(bed.trace()).startsWith("# TestBed trace\n")
          .containsPattern("(?m)^#\\d+ +\\d+\\.\\d{3}us  driver   call map domain=")
          .containsPattern("(?m)^#\\d+ +\\d+\\.\\d{3}us  host:\\S+ host map ")
          .contains("QI[").doesNotContain("{offset=");
    }
  }

  @Test
  void aMapTheDriverRejectsLeavesNoPhantomIntent() {
    try (TestBed bed = TestBed.builder().awBits(48).assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      // beyond the 48-bit address width
      assertThatThrownBy(() -> bed.map("d1", 1L << 48, 0x2000000, 0x1000, true, true))
          .isInstanceOf(IllegalArgumentException.class);
      // not 4 KiB aligned (iommu_map needs page-aligned iova and size)
      assertThatThrownBy(() -> bed.map("d1", 0x200800, 0x2000000, 0x1000, true, true))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
      // over a mapping that is already there (Linux: "DMA PTE already set"): the first mapping stands
      assertThatThrownBy(() -> bed.map("d1", 0x100000, 0x3000000, 0x1000, true, true))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
      assertThat(bed.intent().mappings("d1")).singleElement()
          .satisfies(m -> assertThat(m.iova()).isEqualTo(0x100000L))
          .satisfies(m -> assertThat(m.gpa()).isEqualTo(0x2000000L));
      assertThat(bed.checkIncremental()).isEmpty();
      assertThat(bed.check()).isEmpty();
    }
  }

  @Test
  void unmapsTheDriverRejectsLeaveTheIntentAsItWas() {
    try (TestBed bed = TestBed.builder().assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x2000, true, true);
      long iova = bed.dmaMap("nic", 0x3000000, 0x2000, Direction.BIDIRECTIONAL);
      // IOMMU API: iommu_unmap needs a 4 KiB aligned range
      assertThatThrownBy(() -> bed.unmap("d1", 0x100800, 0x800)).isInstanceOf(IllegalArgumentException.class);
      // DMA API: more than the buffer dma-map gave
      assertThatThrownBy(() -> bed.dmaUnmap("nic", iova, 0x100000, Direction.BIDIRECTIONAL))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not mapped by the DMA API");
      assertThat(bed.checkIncremental()).isEmpty();
      assertThat(bed.check()).isEmpty();
      // both mappings still work and are still intended
      assertThat(bed.dma("nic", 0x101000, true, 64, true)).isEmpty();
      assertThat(bed.dma("nic", iova, true, 0x2000, true)).isEmpty();
      bed.dmaUnmap("nic", iova, 0x2000, Direction.BIDIRECTIONAL);
      bed.unmap("d1", 0x100000, 0x2000);
      assertThat(bed.check()).isEmpty();
      assertThat(bed.dma("nic", iova, true, 8, false)).isEmpty();
    }
  }

  @Test
  void aDmaWriteMustLandAtTheIntendedGuestPhysicalBytes() {
    try (TestBed bed = TestBed.builder().assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      // plant a defect: the host sends the device's writes one page off
      bed.host("nic").unmap(0x100000, 0x1000);
      bed.host("nic").map(0x100000, 0x2001000, 0x1000, true, true);
      assertThat(bed.dma("nic", 0x100000, true, 32, true)).singleElement().satisfies(v -> {
        assertThat(v.kind()).isEqualTo(Violation.DMA_MISMATCH);
        assertThat(v.detail()).contains("gpa 0x2000000");
      });
      assertThat(bed.dma("nic", 0x100000, false, 32, true)).extracting(Violation::kind)
          .containsExactly(Violation.DMA_MISMATCH);
      assertThat(bed.check()).extracting(Violation::kind).containsExactly(Violation.WRONG_TARGET);
    }
  }

  @Test
  void unmappingPartOfASuperpageUnmapsAllOfItAsLinuxDoes() {
    try (TestBed bed = TestBed.builder().superpages("2M").assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x40000000, 0x4000000, 2 * MiB, true, true);
      // intel_iommu_unmap enlarges the size to the whole superpage (drivers/iommu/intel/iommu.c)
      assertThat(bed.unmap("d1", 0x40000000, 0x1000)).isEqualTo(2 * MiB);
      assertThat(bed.intent().mappings("d1")).isEmpty();
      assertThat(bed.check()).isEmpty();
      assertThat(bed.dma("nic", 0x40100000, true, 8, false)).isEmpty();
    }
  }

  @Test
  void withTranslationOffTheHostMapsSplitQ35RamOneToOne() {
    // 3 GiB: [0, 2 GiB) and [4 GiB, 5 GiB) (q35 relocates RAM above the 32-bit PCI hole)
    try (TestBed bed = TestBed.builder().ram(3L << 30).assigned("nic", "00:03.0").build()) {
      assertThat(bed.memory().regions()).hasSize(2);
      assertThat(bed.check()).isEmpty();
      assertThat(bed.dma("nic", 0x1_0000_0000L, true, 64, true)).isEmpty();
      bed.host("nic").unmap(0x1_0000_0000L, 1L << 30);
      assertThat(bed.check()).singleElement().satisfies(v -> {
        assertThat(v.kind()).isEqualTo(Violation.MISSING_MAPPING);
        assertThat(v.iova()).isEqualTo(0x1_0000_0000L);
        assertThat(v.size()).isEqualTo(1L << 30);
        assertThat(v.detail()).contains("identity map of RAM");
      });
    }
  }

  @Test
  void emulatedDevicesTranslateThroughTheUnit() {
    try (TestBed bed = TestBed.builder().emulated("disk", "00:04.0").build()) {
      bed.boot();
      bed.attach("disk", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, false);
      DmaResult r = bed.device("disk").read(0x100000, 8);
      assertThat(r.ok()).isTrue();
      assertThat(bed.dma("disk", 0x100000, true, 8, false)).as("read-only mapping").isEmpty();
    }
  }

  @Test
  void fromScenarioBuildsTheScenariosMachine() {
    Scenario s = BuiltinScenarios.load("psi-to-dsi-fallback");
    try (TestBed bed = TestBed.fromScenario(s)) {
      assertThat(bed.memory().ramSize()).isEqualTo(6L << 30);
      assertThat(bed.vtdConfig().cap().mamv()).isEqualTo(18);
      assertThat(bed.deviceIds()).containsExactly("nic");
    }
  }

  @Test
  void assignmentWithoutCachingModeIsRefusedAsQemuDoes() {
    assertThatThrownBy(() -> TestBed.builder().cachingMode(false).assigned("nic", "00:03.0").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("caching-mode=on");
  }

  @Test
  void theDriversWaitBoundIsTheTestBedsAndAHardwareThatNeverCompletesCostsThatManyPolls() {
    try (TestBed bed = TestBed.builder().waitBound(40).assigned("nic", "00:03.0").build()) {
      assertThat(bed.driverConfig().waitBound()).isEqualTo(40);
      bed.boot();
      bed.attach("nic", "d1");
      // turn queued invalidation off behind the driver's back (GCMD without QIE, spec 10.4.4): the unit
      // no longer fetches descriptors, so the wait descriptor of the next flush never completes
      long gcmd = io.vtdsim.emu.spec.Registers.DEFAULT_BASE + io.vtdsim.emu.spec.Registers.GCMD;
      long gsts = io.vtdsim.emu.spec.Registers.DEFAULT_BASE + io.vtdsim.emu.spec.Registers.GSTS;
      int status = bed.bus().read32(gsts);
      bed.bus().write32(gcmd, status & ~io.vtdsim.emu.spec.GlobalCommand.QIE & ~0x00FF_FFFF);
      assertThatThrownBy(() -> bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true))
          .isInstanceOf(io.vtdsim.driver.DriverTimeoutException.class)
          .hasMessageContaining("after 40 polls");
    }
    assertThatThrownBy(() -> TestBed.builder().waitBound(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wait bound");
  }
}
