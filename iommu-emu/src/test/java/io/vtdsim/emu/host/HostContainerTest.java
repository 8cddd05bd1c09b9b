package io.vtdsim.emu.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.host.HostResult.Errno;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import org.junit.jupiter.api.Test;

/**
 * Kernel semantics of the host container: vfio type1 v2 ({@code vfio_dma_do_map/unmap}) and iommufd,
 * as drivers/vfio/vfio_iommu_type1.c and drivers/iommu/iommufd/ implement them; refusals leave the state untouched and are events.
 */
class HostContainerTest {
  static final long K4 = 4096;
  static final long M2 = 2L << 20;
  final EventLog log = new EventLog(new Clock());
  final GuestMemory mem = GuestMemory.q35(4L << 30); // RAM [0, 2 GiB) and [4 GiB, 6 GiB)
  final HostContainer type1 = new HostContainer("t1", HostSemantics.VFIO_TYPE1, mem, log);
  final HostContainer iommufd = new HostContainer("fd", HostSemantics.IOMMUFD, mem, log);

  @Test
  void mapOverAnyExistingMappingIsEexistAndChangesNothing() {
    assertThat(type1.map(0x20_0000, 0x4000_0000, M2, true, true)).isEqualTo(HostResult.success(M2));
    // same range, a page inside, a range overlapping its end
    assertThat(type1.map(0x20_0000, 0x4000_0000, M2, true, true).errno()).isEqualTo(Errno.EEXIST);
    assertThat(type1.map(0x30_0000, 0x5000_0000, K4, true, false).errno()).isEqualTo(Errno.EEXIST);
    assertThat(type1.map(0x1F_F000, 0x5000_0000, 2 * K4, true, false).errno()).isEqualTo(Errno.EEXIST);
    assertThat(type1.mappings()).containsExactly(new HostMapping(0x20_0000, 0x4000_0000, M2, true, true));
    assertThat(type1.errorCount()).isEqualTo(3);
    Event err = log.eventsOfKind(HostContainer.ERROR).get(0);
    assertThat(err.attrs()).containsEntry("errno", "EEXIST").containsEntry("op", "map").containsEntry("container", "t1");
  }

  @Test
  void unmapThatWouldBisectAMappingIsEinvalAndChangesNothing() {
    type1.map(0x20_0000, 0x4000_0000, M2, true, true);
    assertThat(type1.unmap(0x20_0000, K4).errno()).isEqualTo(Errno.EINVAL); // cuts the tail off
    assertThat(type1.unmap(0x3F_F000, K4).errno()).isEqualTo(Errno.EINVAL); // cuts the head off
    assertThat(type1.unmap(0x1F_F000, 2 * K4).errno()).isEqualTo(Errno.EINVAL); // straddles the start
    assertThat(type1.mappings()).hasSize(1);
  }

  @Test
  void iommufdRefusesACutWithEnoentAfterRemovingTheAreasBeforeIt() {
    // iopt_unmap_iova_range: areas in IOVA order; the first reaching outside the range ends it with -ENOENT
    iommufd.map(0x20_0000, 0x4000_0000, M2, true, true);
    assertThat(iommufd.unmap(0x20_0000, K4).errno()).isEqualTo(Errno.ENOENT); // would cut the 2 MiB area
    assertThat(iommufd.unmap(0x1F_F000, 2 * K4).errno()).isEqualTo(Errno.ENOENT); // the area starts inside
    assertThat(iommufd.mappings()).hasSize(1);
    iommufd.map(0x1000, 0x5000_0000, K4, true, true);
    iommufd.map(0x2000, 0x5000_1000, K4, true, true);
    // [0x1000, 0x30_0000): the two 4 KiB areas go, then the 2 MiB area reaches past the end
    assertThat(iommufd.unmap(0x1000, 0x30_0000 - 0x1000).errno()).isEqualTo(Errno.ENOENT);
    assertThat(iommufd.mappings()).containsExactly(new HostMapping(0x20_0000, 0x4000_0000, M2, true, true));
    assertThat(log.eventsOfKind(HostContainer.ERROR)).last().satisfies(e -> assertThat(e.text()).contains("reaches past"));
  }

  @Test
  void type1StopsAtItsDmaEntryLimitWithEnospc() {
    HostContainer small = new HostContainer("lim", HostSemantics.VFIO_TYPE1, mem, log, 2);
    assertThat(small.map(0x1000, 0x4000_0000, K4, true, true).ok()).isTrue();
    assertThat(small.map(0x2000, 0x4000_1000, K4, true, true).ok()).isTrue();
    // vfio_dma_do_map: EEXIST is checked before the limit, ENOSPC after
    assertThat(small.map(0x2000, 0x4000_1000, K4, true, true).errno()).isEqualTo(Errno.EEXIST);
    assertThat(small.map(0x3000, 0x4000_2000, K4, true, true).errno()).isEqualTo(Errno.ENOSPC);
    assertThat(small.mappingCount()).isEqualTo(2);
    small.unmap(0x1000, K4);
    assertThat(small.map(0x3000, 0x4000_2000, M2, true, true).ok()).as("one entry whatever its size").isTrue();
    assertThat(HostContainer.DEFAULT_DMA_ENTRY_LIMIT).isEqualTo(65535); // U16_MAX, vfio_iommu_type1.c
  }

  @Test
  void iommufdStopsAtItsPinnedPageLimitWithEnomem() {
    HostContainer small = new HostContainer("lim", HostSemantics.IOMMUFD, mem, log, 3);
    assertThat(small.map(0x1000, 0x4000_0000, 2 * K4, true, true).ok()).isTrue();
    assertThat(small.map(0x10_0000, 0x4000_0000, 2 * K4, true, true).errno()).isEqualTo(Errno.ENOMEM);
    assertThat(small.map(0x10_0000, 0x4000_0000, K4, true, true).ok()).as("the same page pinned again counts").isTrue();
    small.unmap(0x1000, 2 * K4);
    assertThat(small.map(0x20_0000, 0x4000_0000, 2 * K4, true, true).ok()).isTrue();
  }

  @Test
  void unmapMaySpanHolesAndWholeMappingsAndReportsTheBytesUnmapped() {
    type1.map(0x1000, 0x4000_0000, K4, true, true);
    type1.map(0x3000, 0x4000_1000, K4, true, true);
    type1.map(0x10_0000, 0x4000_2000, K4, true, true);
    assertThat(type1.unmap(0, 0x8000)).isEqualTo(HostResult.success(2 * K4));
    assertThat(type1.mappings()).containsExactly(new HostMapping(0x10_0000, 0x4000_2000, K4, true, true));
  }

  @Test
  void unmapCoveringNothingIsSuccessWithSizeZeroForType1ButEnoentForIommufd() {
    assertThat(type1.unmap(0x1000, K4)).isEqualTo(HostResult.success(0));
    assertThat(type1.errorCount()).isZero();
    assertThat(iommufd.unmap(0x1000, K4)).isEqualTo(HostResult.error(Errno.ENOENT));
    assertThat(iommufd.errorCount()).isEqualTo(1);
    assertThat(log.eventsOfKind(HostContainer.ERROR)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("errno", "ENOENT").containsEntry("container", "fd"));
  }

  @Test
  void targetsOutsideGuestRamAreRefusedWithEfaultAndNothingIsMapped() {
    // [2 GiB, 4 GiB) is the q35 PCI hole; a range running off the end of RAM is refused too
    assertThat(type1.map(0x1000, 0x8000_0000L, K4, true, true).errno()).isEqualTo(Errno.EFAULT);
    assertThat(type1.map(0x2000, 0x7FF0_0000L, M2, true, true).errno()).isEqualTo(Errno.EFAULT);
    assertThat(type1.map(0x3000, 0x2_0000_0000L, K4, true, true).errno()).isEqualTo(Errno.EFAULT);
    assertThat(type1.mappings()).isEmpty();
    assertThat(type1.errorCount()).isEqualTo(3);
    assertThat(log.eventsOfKind(HostContainer.ERROR)).allSatisfy(e -> assertThat(e.attrs()).containsEntry("errno", "EFAULT"));
  }

  @Test
  void invalidArgumentsAreEinval() {
    assertThat(type1.map(0x1000, 0x4000_0000, K4, false, false).errno()).isEqualTo(Errno.EINVAL); // no permission
    assertThat(type1.map(0x1800, 0x4000_0000, K4, true, true).errno()).isEqualTo(Errno.EINVAL); // misaligned IOVA
    assertThat(type1.map(0x1000, 0x4000_0000, 0, true, true).errno()).isEqualTo(Errno.EINVAL); // empty
    assertThat(type1.unmap(0x1000, 0x800).errno()).isEqualTo(Errno.EINVAL);
    assertThat(type1.mappings()).isEmpty();
  }

  @Test
  void lookupFindsTheMappingContainingAnAddress() {
    type1.map(0x20_0000, 0x4000_0000, M2, true, false);
    assertThat(type1.lookup(0x2F_F123)).contains(new HostMapping(0x20_0000, 0x4000_0000, M2, true, false));
    assertThat(type1.lookup(0x40_0000)).isEmpty();
    assertThat(type1.lookup(0x1F_FFFF)).isEmpty();
  }

  @Test
  void mappingsInReturnsThoseOverlappingARange() {
    type1.map(0x20_0000, 0x4000_0000, M2, true, true);
    type1.map(0x40_0000, 0x5000_0000, K4, true, true);
    type1.map(0x50_0000, 0x5000_1000, K4, true, true);
    assertThat(type1.mappingsIn(0x30_0000, 0x40_1000)).containsExactly(
        new HostMapping(0x20_0000, 0x4000_0000, M2, true, true),
        new HostMapping(0x40_0000, 0x5000_0000, K4, true, true));
    assertThat(type1.mappingsIn(0x40_1000, 0x50_0000)).isEmpty();
  }

  @Test
  void everyCallIsAnEvent() {
    type1.map(0x1000, 0x4000_0000, K4, true, false);
    type1.unmap(0x1000, K4);
    assertThat(log.eventsOfKind(HostContainer.MAP)).singleElement().satisfies(e -> assertThat(e.attrs())
        .containsEntry("iova", 0x1000L).containsEntry("size", K4).containsEntry("gpa", 0x4000_0000L)
        .containsEntry("read", true).containsEntry("write", false).containsEntry("result", "ok"));
    assertThat(log.eventsOfKind(HostContainer.UNMAP)).singleElement().satisfies(e -> assertThat(e.attrs())
        .containsEntry("result", "ok").containsEntry("unmapped", K4));
  }

  @Test
  void semanticsParseTheirUserFacingNames() {
    assertThat(HostSemantics.parse("vfio-type1")).isEqualTo(HostSemantics.VFIO_TYPE1);
    assertThat(HostSemantics.parse("iommufd")).isEqualTo(HostSemantics.IOMMUFD);
    assertThatThrownBy(() -> HostSemantics.parse("type2")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vfio-type1, iommufd");
  }
}
