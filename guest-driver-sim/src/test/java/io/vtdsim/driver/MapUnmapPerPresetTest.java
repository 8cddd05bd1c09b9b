package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A 4 KiB DMA map and unmap under CM, strict, per preset: one PSI AM=0 each (iommu_flush_iotlb_psi / cache_tag_flush_range, drivers/iommu/intel/). */
class MapUnmapPerPresetTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  @ParameterizedTest
  @EnumSource(DriverPreset.class)
  void fourKiBMapAndUnmapUnderCm(DriverPreset preset) {
    Rig rig = new Rig(DriverConfig.of(preset));
    rig.driver.boot(List.of(DEV));
    rig.driver.mapSingle(DEV, 0x10_0000, 8, Direction.TO_DEVICE); // 4.10 attaches here
    rig.resetRecording();
    long iova = rig.driver.mapSingle(DEV, 0x20_0123, 100, Direction.FROM_DEVICE);
    assertThat(iova & 0xFFF).isEqualTo(0x123);
    assertThat(iova >>> 12).isEqualTo(0xffffeL); // second page below 4 GiB
    rig.driver.unmapSingle(DEV, iova, 100, Direction.FROM_DEVICE);
    int did = rig.driver.domainId(rig.driver.domainOf(DEV).orElseThrow());
    String psi = "IOTLB PSI DID=" + did + " ADDR=0xffffe000 AM=0";
    assertThat(rig.invalidations()).containsExactly(psi, psi);
    assertThat(rig.submissions()).hasSize(2).allSatisfy(s -> assertThat(s).hasSize(2));
    assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).extracting(e -> e.attrs().get("decision"))
        .containsExactly("psi", "psi");
  }

  @ParameterizedTest
  @EnumSource(DriverPreset.class)
  void withoutCmAMapDoesNotInvalidateButTheUnmapDoes(DriverPreset preset) {
    Rig rig = new Rig(DriverConfig.of(preset), Rig.qemuCap(48).withCm(false), Rig.qemuEcap());
    rig.driver.boot(List.of(DEV));
    rig.driver.mapSingle(DEV, 0x10_0000, 8, Direction.TO_DEVICE);
    rig.resetRecording();
    long iova = rig.driver.mapSingle(DEV, 0x20_0000, 4096, Direction.BIDIRECTIONAL);
    assertThat(rig.invalidations()).isEmpty();
    rig.driver.unmapSingle(DEV, iova, 4096, Direction.BIDIRECTIONAL);
    assertThat(rig.invalidations()).hasSize(1).allMatch(s -> s.startsWith("IOTLB PSI"));
  }
}
