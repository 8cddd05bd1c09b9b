package io.vtdsim.driver.flush;

import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;

/**
 * One IOTLB flush decision with the reason (reported as a {@code driver.flush} event).
 *
 * @param kind PSI, DSI, GLOBAL, the PASID-based PASID_PSI / PASID_ALL of first-stage domains (PASID 0,
 *     the RID_PASID), or NONE (a deliberate decision not to flush)
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
    /** PASID-based IOTLB, page-selective within PASID 0 (qi_flush_piotlb with npages). */
    PASID_PSI("pasid-psi"),
    /** PASID-based IOTLB, all mappings of PASID 0 in the DID (qi_flush_piotlb with npages −1). */
    PASID_ALL("pasid-all"),
    NONE("none");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** The PASID first-stage domains' RID_PASID entries use: IOMMU_NO_PASID / PASID_RID2PASID. */
  public static final int RID_PASID = 0;

  /**
   * The descriptor for this flush. {@code ihToHardware}: over QI Linux's qi_flush_iotlb sends IH=0 in every
   * era (drivers/iommu/intel/dmar.c), so the hint is dropped there; qi_flush_piotlb carries it
   * (QI_EIOTLB_IH), so PASID-based invalidations keep it.
   */
  public InvalidationDescriptor descriptor(boolean drainReads, boolean drainWrites, boolean ihToHardware) {
    return switch (kind) {
      case PSI -> IotlbInvalidation.page(did, address, am, ih && ihToHardware, drainReads, drainWrites);
      case DSI -> IotlbInvalidation.domain(did, drainReads, drainWrites);
      case GLOBAL -> IotlbInvalidation.global(drainReads, drainWrites);
      case PASID_PSI -> PasidIotlbInvalidation.page(did, RID_PASID, address, am, ih);
      case PASID_ALL -> PasidIotlbInvalidation.pasid(did, RID_PASID);
      case NONE -> throw new IllegalStateException("a NONE flush has no descriptor");
    };
  }
}
