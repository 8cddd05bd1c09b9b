package io.vtdsim.emu.shadow;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code unmap-all-replay}: QEMU 2.9 (April 2017, dd4d607e40 "intel_iommu: enable remote IOTLB" with
 * f06a696dc9 "provide its own replay() callback"). A PSI walks its range and sends every MAP and
 * UNMAP to vfio (repeated PSIs for one page reach the host as duplicate MAPs → EEXIST). A DSI, a
 * global IOTLB invalidation and any context invalidation replay the address space: first UNMAP of
 * each notifier's whole range (a window in which the device has no mappings at all), then MAP of
 * everything the guest tables hold. The walk is the pre-2018 one (invalid non-leaf entries skipped).
 */
final class UnmapAllReplaySync extends ShadowSync {
  @Override
  public String name() {
    return "unmap-all-replay";
  }

  @Override
  void pageInvalidated(CachingModeShadow shadow, AddressSpace as, ShadowContext ce, long start, long end) {
    shadow.walkRange(as, ce, start, end, "psi", CachingModeShadow.Walk.DIRECT_PRE_2018);
  }

  @Override
  void domainInvalidated(CachingModeShadow shadow, AddressSpace as) {
    replay(shadow, as);
  }

  @Override
  void globalIotlbInvalidated(CachingModeShadow shadow, AddressSpace as) {
    replay(shadow, as);
  }

  @Override
  void deviceContextInvalidated(CachingModeShadow shadow, AddressSpace as) {
    boolean replayed = shadow.switchMode(as);
    if (!replayed && as.mode == CachingModeShadow.Mode.TRANSLATED) replay(shadow, as);
  }

  @Override
  void allContextsInvalidated(CachingModeShadow shadow, List<AddressSpace> spaces) {
    List<AddressSpace> pending = new ArrayList<>();
    for (AddressSpace as : spaces) {
      if (!shadow.switchMode(as) && as.mode == CachingModeShadow.Mode.TRANSLATED) pending.add(as);
    }
    for (AddressSpace as : pending) replay(shadow, as);
  }

  @Override
  void replay(CachingModeShadow shadow, AddressSpace as) {
    shadow.unmapAll(as);
    shadow.walkAll(as, "replay", CachingModeShadow.Walk.DIRECT_MAP_ONLY_PRE_2018);
  }
}
