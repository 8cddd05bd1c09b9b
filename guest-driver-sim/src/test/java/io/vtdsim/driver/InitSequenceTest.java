package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Init sequences per preset (init_dmars / intel_iommu_init in drivers/iommu/intel/iommu.c; a Linux 6.1
 * guest's trace on QEMU 7.2, docs/linux-6.1-trace.md §1).
 */
class InitSequenceTest {
  static final SourceId A = SourceId.parse("00:01.0");
  static final SourceId B = SourceId.parse("00:02.0");

  @ParameterizedTest
  @EnumSource(value = DriverPreset.class, names = {"LINUX_5_10", "LINUX_5_18", "LINUX_6_1", "LINUX_6_12"})
  void laterErasAttachBootDevicesBeforeTranslationIsEnabled(DriverPreset preset) {
    Rig rig = new Rig(DriverConfig.of(preset));
    rig.driver.boot(List.of(B, A));
    int first = preset.reservesDid1() ? 2 : 1;
    assertThat(rig.invalidations()).containsExactly(
        "CC global", "IOTLB global",
        "CC device DID=0 SID=00:01.0 FM=0", "IOTLB DSI DID=" + first,
        "CC device DID=0 SID=00:02.0 FM=0", "IOTLB DSI DID=" + (first + 1));
    assertThat(rig.submissions()).allSatisfy(s -> assertThat(s).hasSize(2));
    assertThat(lastGcmdWrite(rig)).isEqualTo(0x84000000L);
    assertThat(writesAfterTe(rig)).isZero();
  }

  @Test
  void linux410EnablesTranslationFirstAndAttachesAtTheFirstDmaMap() {
    Rig rig = new Rig("linux-4.10");
    rig.driver.boot(List.of(A, B));
    assertThat(rig.invalidations()).containsExactly("CC global", "IOTLB global");
    assertThat(lastGcmdWrite(rig)).isEqualTo(0x84000000L);
    assertThat(rig.driver.domainOf(A)).isEmpty();
    rig.resetRecording();
    long iova = rig.driver.mapSingle(B, 0x200000, 4096, Direction.BIDIRECTIONAL);
    // 4.x: DID 0 reserved only, so the first domain gets DID 1
    assertThat(rig.invalidations()).containsExactly(
        "CC device DID=0 SID=00:02.0 FM=0", "IOTLB DSI DID=1",
        String.format("IOTLB PSI DID=1 ADDR=0x%x AM=0", iova));
  }

  @Test
  void withoutCachingModeThereAreNoPerDeviceInvalidations() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1"), Rig.qemuCap(48).withCm(false),
        Rig.qemuEcap());
    rig.driver.boot(List.of(A, B));
    assertThat(rig.invalidations()).containsExactly("CC global", "IOTLB global");
  }

  @Test
  void esrtpsMakesTheGlobalFlushesUnnecessary() {
    Rig rig = new Rig(DriverConfig.of("linux-6.12"), Rig.qemuCap(48).withEsrtps(true),
        Rig.qemuEcap());
    rig.driver.boot(List.of(A));
    assertThat(rig.invalidations()).containsExactly("CC device DID=0 SID=00:01.0 FM=0", "IOTLB DSI DID=2");
  }

  @Test
  void rwbfAddsWriteBufferFlushesAroundTheRootTable() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1"), Rig.qemuCap(48).withRwbf(true).withCm(false),
        Rig.qemuEcap());
    rig.driver.boot(List.of(A));
    List<String> w = rig.registerWrites();
    // WBF before SRTP, again before the fault interrupt, and after the (CM=0) context entry write
    assertThat(w.subList(2, 6)).containsExactly("GCMD=0x4000000", "GCMD=0xc000000", "RTADDR=" + w.get(4).substring(7),
        "GCMD=0x44000000");
    assertThat(w.stream().filter(s -> s.equals("GCMD=0xc000000")).count()).isEqualTo(3);
  }

  @Test
  void withoutQueuedInvalidationTheRegistersAreUsed() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1"), Rig.qemuCap(48),
        Rig.qemuEcap().withQi(false));
    rig.driver.boot(List.of(A));
    assertThat(rig.invalidations()).containsExactly(
        "CC global", "IOTLB global", "CC device DID=0 SID=00:01.0 FM=0", "IOTLB DSI DID=2");
    assertThat(rig.registerWrites()).doesNotContain("IQT=0x0").contains(
        // CCMD: ICC | CIRG (1 global, 3 device; SID 0x0008 in 31:16); IOTLB: IVT | IIRG | DR | DW | DID 47:32
        "CCMD=0xa000000000000000", "IOTLB=0x9003000000000000",
        "CCMD=0xe000000000080000", "IOTLB=0xa003000200000000");
    long psiIova = rig.driver.mapSingle(A, 0x300000, 4096, Direction.TO_DEVICE);
    assertThat(rig.registerWrites()).contains(String.format("IVA=0x%x", psiIova), "IOTLB=0xb003000200000000");
  }

  @Test
  void theInvalidationHintReachesIvaOnlyBefore612() {
    for (String preset : List.of("linux-6.1", "linux-6.12")) {
      Rig rig = new Rig(DriverConfig.of(preset), Rig.qemuCap(48),
          Rig.qemuEcap().withQi(false));
      rig.driver.boot(List.of(A));
      long iova = rig.driver.mapSingle(A, 0x300000, 4096, Direction.TO_DEVICE);
      rig.driver.unmapSingle(A, iova, 4096, Direction.TO_DEVICE);
      // only a leaf changed: IH (IVA bit 6) set by ≤6.11, dropped by 6.12's descriptor composition
      long ih = preset.equals("linux-6.1") ? 0x40 : 0;
      List<String> w = rig.registerWrites();
      assertThat(w.get(w.size() - 2)).as(preset).isEqualTo(String.format("IVA=0x%x", iova | ih));
    }
  }

  @Test
  void agawFollowsSagawAndTheEraDefaultWidth() {
    Rig r57 = new Rig(DriverConfig.of("linux-6.1"), Rig.qemuCap(57), Rig.qemuEcap());
    r57.driver.boot(List.of());
    assertThat(r57.driver.agaw()).isEqualTo(3);
    Rig old57 = new Rig(DriverConfig.of("linux-4.10"), Rig.qemuCap(57), Rig.qemuEcap());
    old57.driver.boot(List.of());
    assertThat(old57.driver.agaw()).isEqualTo(2); // 4.x default width 48
    Rig r39 = new Rig(DriverConfig.of("linux-6.12"), Rig.qemuCap(39), Rig.qemuEcap());
    r39.driver.boot(List.of());
    assertThat(r39.driver.agaw()).isEqualTo(1);
  }

  @Test
  void everyCallIsAnnouncedBeforeItActs() {
    Rig rig = new Rig("linux-6.1");
    rig.driver.boot(List.of(A));
    List<Event> events = rig.log.events();
    assertThat(events.get(0).kind()).isEqualTo(IntelIommuDriver.EV_CALL);
    assertThat(events.get(0).attrs()).containsEntry("op", "boot");
  }

  private static long lastGcmdWrite(Rig rig) {
    long v = -1;
    for (Event e : rig.log.eventsOfKind(MmioBus.EV_WRITE)) {
      if (((Number) e.attrs().get("offset")).intValue() == Registers.GCMD) v = e.longAttr("value");
    }
    return v;
  }

  /** Register writes after the TE write. */
  private static int writesAfterTe(Rig rig) {
    List<String> w = rig.registerWrites();
    return w.size() - 1 - w.lastIndexOf("GCMD=0x84000000");
  }
}
