package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.RootTableAddress;

/**
 * What the VT-d unit tells the caching-mode machinery (the shadow) about, synchronously and in order,
 * after it has updated its own state and caches: translation enable changes, root-table pointer
 * latches, and every executed context-cache or IOTLB invalidation (from the queue or from the
 * register interface). A queued invalidation's callback returns before the next descriptor (and so
 * before the following wait descriptor's status write) is processed — as QEMU, where every notifier
 * MAP/UNMAP completes inside the IQT write.
 */
public interface RemappingObserver {
  /** GSTS.TES changed (caches were reset). */
  default void translationEnableChanged(boolean enabled) {}

  /** SRTP latched {@code rootTable} into the unit (caches were reset). */
  default void rootTablePointerSet(long rootTable) {}

  /**
   * SRTP latched {@code rootTable} with the translation table mode RTADDR.TTM selected (spec 11.4.6);
   * what the unit calls. By default passes the address on to {@link #rootTablePointerSet(long)}, for
   * observers that read legacy tables only.
   */
  default void rootTablePointerSet(long rootTable, RootTableAddress.Mode mode) {
    rootTablePointerSet(rootTable);
  }

  /** A context-cache invalidation ran. Register-based CCMD is reported with its requested granularity. */
  default void contextCacheInvalidated(ContextCacheInvalidation invalidation) {}

  /** An IOTLB invalidation ran (after the unit dropped the matching IOTLB entries). */
  default void iotlbInvalidated(IotlbInvalidation invalidation) {}

  /**
   * A queued IOTLB invalidation ran, given as its descriptor words (spec 6.5.2.3; the fields through
   * {@link IotlbInvalidation#granularityOf} and its siblings). By default decoded and passed to
   * {@link #iotlbInvalidated(IotlbInvalidation)}; an observer on the hot path reads the words instead.
   */
  default void iotlbInvalidated(long lo, long hi) {
    iotlbInvalidated(IotlbInvalidation.fromWords(lo, hi));
  }

  /** A PASID-cache invalidation ran (scalable mode, 256-bit queue). */
  default void pasidCacheInvalidated(PasidCacheInvalidation invalidation) {}

  /** A PASID-based IOTLB invalidation ran (scalable mode, 256-bit queue). */
  default void pasidIotlbInvalidated(PasidIotlbInvalidation invalidation) {}
}
