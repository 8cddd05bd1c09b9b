package io.vtdsim.emu.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import org.junit.jupiter.api.Test;

/**
 * A nested HWPT: the guest's first-stage table composed with the VMM's stage 2, a host IOTLB that only
 * forwarded invalidations empty (iommufd IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, Linux's
 * intel_nested_cache_invalidate_user checks).
 */
class NestedHwptTest {
  private static final long MiB = 1L << 20;
  private static final long IOVA = 0x0010_0000L;
  private static final long PAGE_A = 0x0020_0000L;
  private static final long PAGE_B = 0x0030_0000L;
  private static final long PAGE_C = 0x0040_0000L;

  private final GuestMemory mem = GuestMemory.flat(64 * MiB);
  private final EventLog log = new EventLog(new Clock());
  private final HostContainer stage2 = new HostContainer("nic-s2", HostSemantics.IOMMUFD, mem, log);
  private final ScalableTableBuilder tables = new ScalableTableBuilder(mem, 32 * MiB);
  private final long root = tables.firstStageRoot();
  private final NestedHwpt hwpt = new NestedHwpt("nic", stage2, mem, log, 48, true, 1024);

  /** The VMM's stage 2: guest RAM at its own address, except PAGE_A, which it places at PAGE_C. */
  private void stage2WithPageAAtPageC() {
    stage2.map(0, 0, PAGE_A, true, true);
    stage2.map(PAGE_A, PAGE_C, 4096, true, true);
    stage2.map(PAGE_A + 4096, PAGE_A + 4096, 64 * MiB - PAGE_A - 4096, true, true);
  }

  @Test
  void translationIsGuestStage1ComposedWithTheVmmStage2() {
    stage2WithPageAAtPageC();
    tables.mapFirstStage(root, 4, IOVA, PAGE_A, 4096, true);
    hwpt.bind(root, 48, 0);
    NestedHwpt.Access a = hwpt.access(IOVA + 0x10, true);
    assertThat(a.ok()).isTrue();
    assertThat(a.address()).isEqualTo(PAGE_C + 0x10);
    // the host walk wrote A and D into the guest's entry (through stage 2, which is identity there)
    assertThat(mem.read64(tables.firstStageEntry(root, 4, IOVA, 1))).isEqualTo(PAGE_A | 0x67);
    assertThat(hwpt.access(IOVA, false).cached()).isTrue();
  }

  @Test
  void aGuestPteChangeIsInvisibleToTheHostUntilTheForwardedInvalidation() {
    stage2.map(0, 0, 64 * MiB, true, true);
    tables.mapFirstStage(root, 4, IOVA, PAGE_A, 4096, true);
    hwpt.bind(root, 48, 0);
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_A);
    tables.mapFirstStage(root, 4, IOVA, PAGE_B, 4096, true); // the guest retargets, no invalidation yet
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_A); // stale in the host IOTLB
    assertThat(hwpt.invalidate(IOVA + 0x1000, 1, 0).ok()).isTrue(); // another page
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_A);
    // QEMU forwards a PASID-based PSI as {addr, npages = 2^AM, flags = IH ? LEAF : 0}
    assertThat(hwpt.invalidate(IOVA, 1, NestedHwpt.INV_FLAGS_LEAF).ok()).isTrue();
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_B);
    // and a PASID-selective one as {0, all}
    tables.mapFirstStage(root, 4, IOVA, PAGE_A, 4096, true);
    assertThat(hwpt.invalidate(0, NestedHwpt.ALL_PAGES, 0).ok()).isTrue();
    assertThat(hwpt.iotlbSize()).isZero();
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_A);
    assertThat(log.eventsOfKind(NestedHwpt.INVALIDATE)).hasSize(3);
  }

  @Test
  void refusedInvalidationsChangeNothing() {
    stage2.map(0, 0, 64 * MiB, true, true);
    tables.mapFirstStage(root, 4, IOVA, PAGE_A, 4096, true);
    hwpt.bind(root, 48, 0);
    hwpt.access(IOVA, false);
    assertThat(hwpt.invalidate(IOVA, 1, 2).errno()).isEqualTo(HostResult.Errno.EOPNOTSUPP);
    assertThat(hwpt.invalidate(IOVA + 8, 1, 0).errno()).isEqualTo(HostResult.Errno.EINVAL);
    assertThat(hwpt.invalidate(IOVA, NestedHwpt.ALL_PAGES, 0).errno()).isEqualTo(HostResult.Errno.EINVAL);
    assertThat(hwpt.iotlbSize()).isEqualTo(1);
  }

  @Test
  void stage2HolesAndPermissions() {
    stage2.map(0, 0, PAGE_A, true, true); // no stage-2 mapping at or above PAGE_A
    tables.mapFirstStage(root, 4, IOVA, PAGE_A, 4096, true);
    hwpt.bind(root, 48, 0);
    // the tables (at 32 MiB) are not reachable through stage 2
    assertThat(hwpt.access(IOVA, false).fault()).isEqualTo(FaultReason.FIRST_STAGE_ENTRY_UNREADABLE);
    stage2.map(PAGE_A, PAGE_A, 4096, true, false); // output read-only in stage 2
    stage2.map(32 * MiB, 32 * MiB, 32 * MiB, true, true);
    assertThat(hwpt.access(IOVA, false).ok()).isTrue();
    assertThat(hwpt.access(IOVA, true).fault()).isEqualTo(FaultReason.SCALABLE_WRITE_DENIED);
    // a guest entry without U/S: the first-stage reason
    long pte = tables.firstStageEntry(root, 4, IOVA, 1);
    mem.write64(pte, mem.read64(pte) & ~FirstStagePte.US);
    hwpt.invalidate(0, NestedHwpt.ALL_PAGES, 0);
    assertThat(hwpt.access(IOVA, false).fault()).isEqualTo(FaultReason.FIRST_STAGE_PRIVILEGE);
  }

  @Test
  void misuse() {
    assertThat(hwpt.access(IOVA, false).fault()).isEqualTo(FaultReason.PASID_ENTRY_NOT_PRESENT); // never bound
    assertThatThrownBy(() -> hwpt.bind(root, 39, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> hwpt.bind(root | 8, 48, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> hwpt.bind(root, 48, 8)).isInstanceOf(IllegalArgumentException.class);
  }
}
