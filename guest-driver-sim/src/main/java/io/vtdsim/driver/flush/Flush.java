package io.vtdsim.driver.flush;

import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.IotlbInvalidation;

/**
 * One IOTLB flush decision with the reason (reported as a {@code driver.flush} event).
 *
 * @param kind PSI, DSI, GLOBAL, or NONE (a deliberate decision not to flush)
 * @param did domain ID
 * @param address PSI address (4 KiB aligned; may be unaligned to 2^AM pages before 6.10)
 * @param am PSI address mask
 * @param ih invalidation hint (only leaves changed)
 * @param why why this decision was taken, rendered when asked ({@link #reason()}): the hot path keeps
 *     its numbers, not a sentence
 */
public record Flush(Kind kind, int did, long address, int am, boolean ih, Why why) {
  /** A reason rendered on demand. */
  @FunctionalInterface
  public interface Why {
    String text();
  }

  /** A decision with a ready-made reason. */
  public Flush(Kind kind, int did, long address, int am, boolean ih, String reason) {
    this(kind, did, address, am, ih, () -> reason);
  }

  /** Why this decision was taken (reported as the {@code driver.flush} event's reason). */
  public String reason() {
    return why.text();
  }

  public enum Kind {
    PSI("psi"),
    DSI("dsi"),
    GLOBAL("global"),
    NONE("none");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * The descriptor for this flush. {@code ihToHardware}: over QI Linux's qi_flush_iotlb sends IH=0 in every
   * era (drivers/iommu/intel/dmar.c), so the hint is dropped there.
   */
  public InvalidationDescriptor descriptor(boolean drainReads, boolean drainWrites, boolean ihToHardware) {
    return switch (kind) {
      case PSI -> IotlbInvalidation.page(did, address, am, ih && ihToHardware, drainReads, drainWrites);
      case DSI -> IotlbInvalidation.domain(did, drainReads, drainWrites);
      case GLOBAL -> IotlbInvalidation.global(drainReads, drainWrites);
      case NONE -> throw new IllegalStateException("a NONE flush has no descriptor");
    };
  }
}
