package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** dma_map_sg: one contiguous IOVA range for the list, one flush (iommu_dma_map_sg, drivers/iommu/dma-iommu.c). */
class MapSgTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  @Test
  void oneRangeOneFlushSegmentsPaddedToPages() {
    Rig rig = new Rig("linux-6.1");
    rig.driver.boot(List.of(DEV));
    rig.resetRecording();
    List<SgEntry> sg = List.of(new SgEntry(0x100200, 0x1000), new SgEntry(0x300000, 0x800), new SgEntry(0x500000, 0x1000));
    // pages: 2 + 1 + 1 = 4 → a 4-page, 4-page-aligned range just below 4 GiB
    List<Long> addrs = rig.driver.mapSg(DEV, sg, Direction.TO_DEVICE);
    assertThat(addrs).containsExactly(0xffffc200L, 0xffffe000L, 0xfffff000L);
    assertThat(rig.invalidations()).containsExactly("IOTLB PSI DID=2 ADDR=0xffffc000 AM=2");
    rig.driver.unmapSg(DEV, addrs, sg, Direction.TO_DEVICE);
    assertThat(rig.invalidations()).containsExactly(
        "IOTLB PSI DID=2 ADDR=0xffffc000 AM=2", "IOTLB PSI DID=2 ADDR=0xffffc000 AM=2");
    // the range went back to the per-CPU cache and is reused
    assertThat(rig.driver.mapSg(DEV, sg, Direction.TO_DEVICE).get(0)).isEqualTo(0xffffc200L);
  }

  @Test
  void preciseWriteOnlyPermissionsFrom511AndReadableBefore() {
    Rig old = new Rig("linux-5.10");
    old.driver.boot(List.of(DEV));
    Rig now = new Rig("linux-6.1");
    now.driver.boot(List.of(DEV));
    long a = old.driver.mapSingle(DEV, 0x700000, 4096, Direction.FROM_DEVICE);
    long b = now.driver.mapSingle(DEV, 0x700000, 4096, Direction.FROM_DEVICE);
    assertThat(leaf(old, a) & 3).as("≤5.10 adds R when CAP.ZLR=0").isEqualTo(3);
    assertThat(leaf(now, b) & 3).isEqualTo(2);
  }

  /** Independent 4-level walk to the leaf. */
  private static long leaf(Rig rig, long iova) {
    long table = rig.driver.pageTableRoot(rig.driver.domainOf(DEV).orElseThrow());
    for (int level = 4 + rig.driver.agaw() - 2; level >= 1; level--) {
      long pte = rig.memory.read64(table + ((iova >>> (12 + 9 * (level - 1))) & 511) * 8);
      if (level == 1) return pte;
      table = pte & 0x000F_FFFF_FFFF_F000L;
    }
    return 0;
  }
}
