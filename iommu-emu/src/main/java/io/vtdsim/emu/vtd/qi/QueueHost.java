package io.vtdsim.emu.vtd.qi;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;

/**
 * What the invalidation queue needs from the remapping unit that owns it. Every call happens with
 * the unit's lock held, on the thread processing the queue.
 */
public interface QueueHost {
  /** FSTS.IQE: while set, the queue is not processed. */
  boolean queueErrorPending();

  /** An invalidation queue error: set FSTS.IQE and raise the fault event (VT-d spec 6.5.2.10). */
  void queueError();

  /** The hardware moved the head: {@code iqh} is the new IQH register value. */
  void headMoved(long iqh);

  /** Execute a context-cache invalidation (caches, then caching-mode observers). */
  void contextCacheInvalidation(ContextCacheInvalidation invalidation);

  /**
   * Execute an IOTLB invalidation (caches, then caching-mode observers), given as its two descriptor
   * words ({@link IotlbInvalidation#problem} accepted them): nothing is decoded into an object.
   */
  void iotlbInvalidation(long lo, long hi);

  /** Execute a PASID-cache invalidation (256-bit queue only). */
  default void pasidCacheInvalidation(PasidCacheInvalidation invalidation) {}

  /** Execute a PASID-based IOTLB invalidation (256-bit queue only). */
  default void pasidIotlbInvalidation(PasidIotlbInvalidation invalidation) {}

  /**
   * The descriptor at {@code index} stopped the emulator (a guest-triggered abort of the emulated
   * QEMU): the unit answers nothing from now on.
   */
  void emulatorAbort(int index, String reason);

  /** A wait descriptor with IF=1: set ICS.IWC and raise the invalidation completion event. */
  void waitCompletionInterrupt();
}
