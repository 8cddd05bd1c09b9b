package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The IOMMU-API path (vfio/DPDK in the guest): caller-chosen ranges (intel_iommu_map/unmap, drivers/iommu/intel/iommu.c). */
class IommuApiTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  private static Rig rig(String preset) {
    Rig rig = new Rig(preset);
    rig.driver.boot(List.of());
    rig.driver.attach(DEV, "vfio");
    rig.resetRecording();
    return rig;
  }

  @Test
  void linux410DoesNotFlushOnMapEvenUnderCm() {
    Rig rig = rig("linux-4.10");
    rig.driver.map("vfio", 0x10000, 0x800000, 0x3000, true, true);
    assertThat(rig.invalidations()).isEmpty();
    assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("decision", "none"));
  }

  @Test
  void linux510FlushesEachPowerOfTwoChunk() {
    Rig rig = rig("linux-5.10");
    // 7 pages at a 64 KiB-aligned base: iommu_pgsize chunks of 4, 2 and 1 pages, each with its own PSI
    rig.driver.map("vfio", 0x10000, 0x800000, 0x7000, true, true);
    assertThat(rig.invalidations()).containsExactly(
        "IOTLB PSI DID=1 ADDR=0x10000 AM=2", "IOTLB PSI DID=1 ADDR=0x14000 AM=1", "IOTLB PSI DID=1 ADDR=0x16000 AM=0");
    rig.resetRecording();
    rig.driver.unmap("vfio", 0x10000, 0x7000);
    assertThat(rig.invalidations()).hasSize(3);
  }

  @Test
  void from512OneFlushPerCallWithTheUnalignedCorrection() {
    Rig rig = rig("linux-6.1");
    // pfn 0x17f, 3 pages: AM 8 (the ≥5.18 correction)
    rig.driver.map("vfio", 0x17f000, 0x900000, 0x3000, true, true);
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0x17f000 AM=8");
    rig.resetRecording();
    long unmapped = rig.driver.unmap("vfio", 0x17f000, 0x3000);
    assertThat(unmapped).isEqualTo(0x3000);
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0x17f000 AM=8");
  }

  @Test
  void hugeRangesFallBackToDsiAboveMamv() {
    Rig rig = rig("linux-6.12");
    rig.driver.map("vfio", 1L << 32, 0, 1L << 31, true, true); // 2 GiB: 2^19 pages, AM 19 > 18
    assertThat(rig.invalidations()).containsExactly("IOTLB DSI DID=2");
    rig.resetRecording();
    rig.driver.unmap("vfio", 1L << 32, 1L << 30);
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0x100000000 AM=18");
  }

  @Test
  void superpageUnmapIsWhole() {
    Rig rig = rig("linux-6.1");
    rig.driver.map("vfio", 0x200000, 0x400000, 0x200000, true, false);
    rig.resetRecording();
    assertThat(rig.driver.unmap("vfio", 0x200000, 0x1000)).isEqualTo(0x200000);
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0x200000 AM=9");
  }

  @Test
  void unmapFreesTablePagesOnlyAfterTheFlushAndPassesIh() {
    Rig rig = rig("linux-6.1");
    rig.driver.map("vfio", 0x40000000, 0x400000, 0x1000, true, true);
    rig.driver.map("vfio", 0x40001000, 0x401000, 0x1000, true, true);
    rig.resetRecording();
    rig.driver.unmap("vfio", 0x40000000, 0x1000);
    assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("ih", true));
    rig.resetRecording();
    rig.driver.unmap("vfio", 0x40000000, 0x40000000);
    assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("ih", false));
  }

  @Test
  void noMapFlushPolicyReproducesThePre418Bug() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1").withFlush(FlushPolicyName.NO_MAP_FLUSH));
    rig.driver.boot(List.of(DEV));
    rig.resetRecording();
    long iova = rig.driver.mapSingle(DEV, 0x300000, 4096, Direction.TO_DEVICE);
    assertThat(rig.invalidations()).isEmpty();
    rig.driver.unmapSingle(DEV, iova, 4096, Direction.TO_DEVICE);
    assertThat(rig.invalidations()).hasSize(1);
  }

  @Test
  void duplicatePsiSendsEachTwice() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1").withFlush(FlushPolicyName.DUPLICATE_PSI));
    rig.driver.boot(List.of(DEV));
    rig.resetRecording();
    long iova = rig.driver.mapSingle(DEV, 0x300000, 4096, Direction.TO_DEVICE);
    String psi = String.format("IOTLB PSI DID=2 ADDR=0x%x AM=0", iova);
    assertThat(rig.invalidations()).containsExactly(psi, psi);
  }

  @Test
  void overlappingMapIsRejected() {
    Rig rig = rig("linux-6.1");
    rig.driver.map("vfio", 0x10000, 0x800000, 0x2000, true, true);
    assertThatThrownBy(() -> rig.driver.map("vfio", 0x11000, 0x900000, 0x1000, true, true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
    assertThatThrownBy(() -> rig.driver.map("vfio", 0x10800, 0x900000, 0x1000, true, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void replacingAnEmptyTableByASuperpageFlushesIn6xOnly() {
    for (String preset : List.of("linux-5.18", "linux-6.1")) {
      Rig rig = rig(preset);
      rig.driver.map("vfio", 0x200000, 0x800000, 0x1000, true, true);
      rig.driver.unmap("vfio", 0x200000, 0x1000); // the level-1 table stays, empty
      rig.resetRecording();
      rig.driver.map("vfio", 0x200000, 0x800000, 0x200000, true, true);
      int did = rig.driver.domainId("vfio");
      String psi = "IOTLB PSI DID=" + did + " ADDR=0x200000 AM=9";
      if (preset.equals("linux-6.1")) {
        assertThat(rig.invalidations()).as(preset).containsExactly(psi, psi); // switch_to_super_page, then the map
      } else {
        assertThat(rig.invalidations()).as(preset).containsExactly(psi);
      }
    }
  }

  @Test
  void a32BitDmaMaskKeepsIovasBelow4GiB() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1").withDmaMask(0xFFFF_FFFFL));
    rig.driver.boot(List.of(DEV));
    long iova = rig.driver.mapSingle(DEV, 0x300000, 64 * 4096, Direction.TO_DEVICE);
    assertThat(iova).isEqualTo(0x1_0000_0000L - 64 * 4096);
  }

  @Test
  void unmappingAPageAtTheBaseOfA1GiBSuperpageUnmapsTheWholePageAndFlushesIt() {
    Rig rig = rig("linux-6.1");
    rig.driver.map("vfio", 0x4000_0000L, 0x4000_0000L, 1L << 30, true, true);
    rig.resetRecording();
    // intel_iommu_unmap: the size grows to the superpage; the gather is [iova, iova + 1 GiB): 2^18 pages
    assertThat(rig.driver.unmap("vfio", 0x4000_0000L, 0x1000)).isEqualTo(1L << 30);
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0x40000000 AM=18");
    assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).noneSatisfy(e -> assertThat(e.text()).contains("bug"));
    rig.driver.map("vfio", 0x4000_0000L, 0x4000_0000L, 0x1000, true, true); // the slot is free again
  }

  @Test
  void anUnalignedPageInsideA1GiBSuperpageLeavesItMappedButReturns1GiB() {
    Rig rig = rig("linux-6.1");
    rig.driver.map("vfio", 0x4000_0000L, 0x4000_0000L, 1L << 30, true, true);
    rig.resetRecording();
    // dma_pte_clear_level on [0x40001000, 0x80000fff]: the superpage is covered in part, so it stays
    assertThat(rig.driver.unmap("vfio", 0x4000_1000L, 0x1000)).isEqualTo(1L << 30);
    // the flush follows the gather: pfn 0x40001 + 2^18 pages is unaligned, the 5.18 mask grows to AM 20
    // (the lowest bit where 0x40001 and 0x80000 agree) > MAMV 18: a DSI
    assertThat(rig.invalidations()).containsExactly("IOTLB DSI DID=2");
    assertThat(rig.events(IntelIommuDriver.EV_FLUSH)).singleElement()
        .satisfies(e -> assertThat(e.text()).contains("superpage at 0x40000000").contains("Linux driver bug"));
    assertThatThrownBy(() -> rig.driver.map("vfio", 0x4000_0000L, 0x4000_0000L, 0x1000, true, true))
        .as("the superpage is still there").isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
  }
}
