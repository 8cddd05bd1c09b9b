package io.vtdsim.emu.shadow;

import java.util.List;

/**
 * {@code psi-only}: the behaviour of "[PATCH RFC v3 14/14] intel_iommu: enable vfio devices" (Peter
 * Xu, January 2017), the patch the seed thread reviews. A PSI walks its range and sends every MAP and
 * UNMAP straight to vfio (no record of what is mapped, so repeated PSIs give EEXIST); DSI, global
 * and context invalidations are ignored ("we should have explicit page invalidations even if guest
 * sends global/domain invalidations"), which leaves stale host mappings when a guest flushes an
 * unmap with a DSI. The walk is the pre-2018 one: an invalid non-leaf entry is skipped, not unmapped.
 */
final class PsiOnlySync extends ShadowSync {
  @Override
  public String name() {
    return "psi-only";
  }

  @Override
  void pageInvalidated(CachingModeShadow shadow, AddressSpace as, ShadowContext ce, long start, long end) {
    shadow.walkRange(as, ce, start, end, "psi", CachingModeShadow.Walk.DIRECT_PRE_2018);
  }

  @Override
  void domainInvalidated(CachingModeShadow shadow, AddressSpace as) {
    // ignored: the RFC only acted on PSIs
  }

  @Override
  void globalIotlbInvalidated(CachingModeShadow shadow, AddressSpace as) {
    // ignored
  }

  @Override
  void deviceContextInvalidated(CachingModeShadow shadow, AddressSpace as) {
    // ignored
  }

  @Override
  void allContextsInvalidated(CachingModeShadow shadow, List<AddressSpace> spaces) {
    // ignored
  }

  @Override
  void replay(CachingModeShadow shadow, AddressSpace as) {
    // the notifier's first replay maps what the guest tables hold
    shadow.walkAll(as, "replay", CachingModeShadow.Walk.DIRECT_MAP_ONLY_PRE_2018);
  }
}
