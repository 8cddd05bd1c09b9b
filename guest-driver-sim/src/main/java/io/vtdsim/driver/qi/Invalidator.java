package io.vtdsim.driver.qi;

import io.vtdsim.emu.spec.InvalidationDescriptor;
import java.util.List;

/** Carries out invalidations and returns when the hardware has completed them. */
public sealed interface Invalidator permits QueuedInvalidator, RegisterInvalidator {
  /** Performs {@code descriptors} as one submission (one wait) and waits for completion. */
  void submit(List<InvalidationDescriptor> descriptors);

  /**
   * Performs one descriptor given as its two words (the legacy 128-bit layout) and waits, as
   * {@link #submit(List)} of that descriptor; the queued path writes the words without an object.
   */
  default void submitOne(long lo, long hi) {
    submit(List.of(InvalidationDescriptor.decode(lo, hi, true)));
  }

  /** True when this is the queued-invalidation path (false: register-based). */
  boolean queued();
}
