package io.vtdsim.driver.qi;

import io.vtdsim.emu.spec.InvalidationDescriptor;
import java.util.List;

/** Carries out invalidations and returns when the hardware has completed them. */
public interface Invalidator {
  /** Performs {@code descriptors} as one submission (one wait) and waits for completion. */
  void submit(List<InvalidationDescriptor> descriptors);

  /** True when this is the queued-invalidation path (false: register-based). */
  boolean queued();
}
