package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What QEMU can not run is refused up front, naming the scenario key. */
class QemuMachineOptionsTest {
  private static final List<QemuDevice> NIC = List.of(new QemuDevice("nic", 0, 3, 0, true));

  @Test
  void fiveLevelTablesAreNotQemus() {
    assertThatThrownBy(() -> new QemuMachineOptions(57, true, 256L << 20, NIC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("machine.aw-bits: QEMU's intel-iommu supports 39 or 48, not 57");
  }

  @Test
  void ramMustEndBelowOneTibAndComeInTwoMibSteps() {
    // 2 GiB below the hole + the rest from 4 GiB: 1022 GiB reach 1 TiB, QEMU's default 40 physical address bits
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, (1022L << 30) + (2L << 20), NIC))
        .hasMessageStartingWith("machine.ram: ");
    assertThat(new QemuMachineOptions(48, true, 1022L << 30, NIC).ramBytes()).isEqualTo(1022L << 30);
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, (256L << 20) + 4096, NIC))
        .hasMessageStartingWith("machine.ram: ");
    assertThat(new QemuMachineOptions(48, true, 2L << 30, NIC).ramBytes()).isEqualTo(2L << 30);
  }

  @Test
  void anAssignedDeviceNeedsCachingMode() {
    assertThatThrownBy(() -> new QemuMachineOptions(48, false, 256L << 20, NIC))
        .hasMessageStartingWith("machine.caching-mode: QEMU refuses assigned (vfio) devices without caching mode");
    assertThat(new QemuMachineOptions(48, false, 256L << 20, List.of(new QemuDevice("gpu", 0, 3, 0, false))).cachingMode())
        .isFalse();
  }

  @Test
  void devicesLiveOnBusZeroAtFreeSlots() {
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, 256L << 20,
        List.of(new QemuDevice("a", 0, 2, 0, true), new QemuDevice("b", 1, 0, 0, true))))
        .hasMessage("devices[1].bdf: the QEMU backend places devices on bus 0 only (q35's root bus), not 01:00.0");
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, 256L << 20, List.of(new QemuDevice("a", 0, 0x1f, 0, true))))
        .hasMessageStartingWith("devices[0].bdf: 00:1f.0 is not free on QEMU's q35");
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, 256L << 20,
        List.of(new QemuDevice("a", 0, 2, 0, true), new QemuDevice("b", 0, 2, 0, false))))
        .hasMessage("devices[1].bdf: two devices at 00:02.0");
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, 256L << 20,
        List.of(new QemuDevice("a", 0, 2, 0, true), new QemuDevice("a", 0, 3, 0, false))))
        .hasMessage("devices[1].id: duplicate device id a");
  }

  @Test
  void timeoutsDefaultToTenAndFifteenSeconds() {
    QemuMachineOptions o = new QemuMachineOptions(39, true, 256L << 20, NIC);
    assertThat(o.replyTimeout()).hasSeconds(10);
    assertThat(o.startTimeout()).hasSeconds(15);
  }

  @Test
  void theCommandLineIsTheMeasuredOne() {
    QemuMachineOptions o = new QemuMachineOptions(39, true, 256L << 20,
        List.of(new QemuDevice("nic", 0, 3, 0, true), new QemuDevice("gpu", 0, 3, 1, false)));
    List<String> c = QemuCommandLine.build(Path.of("/q"), o, Path.of("/s/ram"), Path.of("/s/q.sock"),
        Map.of(o.devices().get(0), Path.of("/s/vfu0.sock")));
    assertThat(String.join(" ", c)).isEqualTo("/q"
        + " -object memory-backend-file,id=m0,size=256M,mem-path=/s/ram,share=on -machine q35,memory-backend=m0,max-ram-below-4g=2G -m 256M"
        + " -accel qtest -qtest unix:/s/q.sock -qtest-log /dev/null -display none -nodefaults -no-user-config"
        + " -device intel-iommu,caching-mode=on,intremap=off,aw-bits=39"
        + " -device {\"driver\":\"vfio-user-pci\",\"id\":\"vfu0\",\"addr\":\"03.0\",\"multifunction\":true,"
        + "\"socket\":{\"type\":\"unix\",\"path\":\"/s/vfu0.sock\"}}"
        + " -device {\"driver\":\"edu\",\"id\":\"edu1\",\"addr\":\"03.1\",\"dma_mask\":18446744073709551615}");
  }

  /** hw/i386/intel_iommu.c vtd_decide_config, and what QEMU 11.1.3 answers (QemuScalableRegistersTest). */
  @Test
  void firstStageNeedsScalableModeAndFortyEightBits() {
    assertThatThrownBy(() -> new QemuMachineOptions(48, true, 256L << 20, NIC).withScalableMode(false, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("machine.flts: QEMU's intel-iommu offers first-stage translation (fsts=on) only in scalable mode;"
            + " set machine.scalable-mode: true");
    assertThatThrownBy(() -> new QemuMachineOptions(39, true, 256L << 20, NIC).withScalableMode(true, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("machine.aw-bits: QEMU's first-stage translation (machine.flts, fsts=on) supports aw-bits 48 only, not 39");
    QemuMachineOptions sm39 = new QemuMachineOptions(39, true, 256L << 20, NIC).withScalableMode(true, false);
    assertThat(sm39.scalableMode()).isTrue();
    assertThat(sm39.firstStage()).isFalse();
    assertThat(new QemuMachineOptions(48, true, 256L << 20, NIC).scalableMode()).as("legacy by default").isFalse();
  }

  @Test
  void scalableModeAndFirstStageAreIntelIommuProperties() {
    QemuMachineOptions legacy = new QemuMachineOptions(48, true, 64L << 20, List.of());
    assertThat(iommu(legacy)).isEqualTo("intel-iommu,caching-mode=on,intremap=off,aw-bits=48");
    assertThat(iommu(legacy.withScalableMode(true, false)))
        .isEqualTo("intel-iommu,caching-mode=on,intremap=off,aw-bits=48,scalable-mode=on");
    assertThat(iommu(legacy.withScalableMode(true, true)))
        .isEqualTo("intel-iommu,caching-mode=on,intremap=off,aw-bits=48,scalable-mode=on,fsts=on");
    assertThat(legacy.withScalableMode(true, true).withReplyTimeout(java.time.Duration.ofSeconds(3)).firstStage())
        .as("the other withers keep the mode").isTrue();
  }

  private static String iommu(QemuMachineOptions o) {
    List<String> c = QemuCommandLine.build(Path.of("/q"), o, Path.of("/s/ram"), Path.of("/s/q.sock"), Map.of());
    return c.get(c.indexOf("-device") + 1);
  }

  @Test
  void aCommaInAPathIsEscapedForQemusOptionParser() {
    QemuMachineOptions o = new QemuMachineOptions(48, true, 64L << 20, List.of());
    String c = String.join(" ", QemuCommandLine.build(Path.of("/q"), o, Path.of("/a,b/ram"), Path.of("/a,b/q.sock"), Map.of()));
    assertThat(c).contains("mem-path=/a,,b/ram,share=on").contains("-qtest unix:/a,,b/q.sock ");
  }
}
