package io.vtdsim.emu.shadow;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code iova-tree}: QEMU since May 2018 (63b88968f1 "rework the page walk logic", per-address-space
 * IOVA tree; 36d2d52bdb invalid entries at any level unmap their slot) with the later fixes
 * (c28b535d08 2018: context not present → unmap all; 2023: replay no longer unmaps,
 * {@code vtd_address_space_sync}). Walk events pass through the tree ({@code vtd_page_walk_one}):
 * an identical MAP is skipped, a changed MAP becomes UNMAP + MAP, an UNMAP of nothing is skipped.
 *
 * <ul>
 *   <li>PSI: walk its range (events filtered by the tree).
 *   <li>DSI / global IOTLB: {@code vtd_address_space_sync} — a full walk, without unmapping first.
 *   <li>Device-selective context: switch the address space (PT/TE may have changed), then sync.
 *   <li>Global/domain context: unmap every notifier's range, switch, then replay everything.
 * </ul>
 */
final class IovaTreeSync extends ShadowSync {
  @Override
  public String name() {
    return "iova-tree";
  }

  @Override
  void pageInvalidated(CachingModeShadow shadow, AddressSpace as, ShadowContext ce, long start, long end) {
    shadow.walkRange(as, ce, start, end, "psi", CachingModeShadow.Walk.TREE);
  }

  @Override
  void domainInvalidated(CachingModeShadow shadow, AddressSpace as) {
    shadow.sync(as, "dsi");
  }

  @Override
  void globalIotlbInvalidated(CachingModeShadow shadow, AddressSpace as) {
    shadow.sync(as, "global");
  }

  @Override
  void deviceContextInvalidated(CachingModeShadow shadow, AddressSpace as) {
    shadow.switchMode(as);
    if (as.mode == CachingModeShadow.Mode.TRANSLATED) shadow.sync(as, "context");
  }

  @Override
  void allContextsInvalidated(CachingModeShadow shadow, List<AddressSpace> spaces) {
    // vtd_address_space_refresh_all, then vtd_iommu_replay_all. An address space that the switch
    // has just replayed (identity → translated) is not replayed a second time.
    List<AddressSpace> pending = new ArrayList<>();
    for (AddressSpace as : spaces) {
      if (as.mode == CachingModeShadow.Mode.TRANSLATED) shadow.unmapAll(as);
      if (!shadow.switchMode(as) && as.mode == CachingModeShadow.Mode.TRANSLATED) pending.add(as);
    }
    for (AddressSpace as : pending) replay(shadow, as);
  }

  @Override
  void replay(CachingModeShadow shadow, AddressSpace as) {
    // since 2023 (Zhenzhong Duan) replay only empties the tree and maps, without unmapping
    as.tree.clear();
    shadow.walkAll(as, "replay", CachingModeShadow.Walk.TREE_MAP_ONLY);
  }
}
