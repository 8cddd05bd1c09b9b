package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.Page;

/**
 * Outcome of translating one DMA request address.
 *
 * <p>A result with neither a fault nor a page (page size 0) is an {@link #unsupportedRequest()}: it
 * has no component of its own, so that the record the warm-IOTLB path allocates keeps its size.
 *
 * @param iova the request address
 * @param address the translated guest-physical address of {@code iova} (valid when {@link #ok})
 * @param pageSize size of the page the translation came from (4 KiB, 2 MiB, 1 GiB), or 4 KiB for
 *     identity/pass-through
 * @param read effective read permission (ANDed down the levels)
 * @param write effective write permission
 * @param did domain id of the context entry (-1 when none was found)
 * @param fault null on success; otherwise the fault reason
 * @param faultSuppressed true when the fault is qualified and the context entry has FPD=1 (not recorded)
 * @param cached true when the answer came from the IOTLB (or the negative cache), not from a walk
 */
public record TranslationResult(
    long iova,
    long address,
    long pageSize,
    boolean read,
    boolean write,
    int did,
    FaultReason fault,
    boolean faultSuppressed,
    boolean cached) {

  /**
   * True when the request got an answer: a translation (for a translation request possibly with
   * R=W=0, which the device-TLB treats as its own fault) or, for a translated request, passage.
   */
  public boolean ok() {
    return fault == null && pageSize != 0;
  }

  /**
   * True when the request was refused with Unsupported Request without a fault reason or record: an
   * ATS request (translation or translated) while translation is disabled (VT-d spec 4.2.1).
   */
  public boolean unsupportedRequest() {
    return fault == null && pageSize == 0;
  }

  public static TranslationResult fault(long iova, int did, FaultReason reason, boolean suppressed, boolean cached) {
    return new TranslationResult(iova, 0, 0, false, false, did, reason, suppressed, cached);
  }

  /** Unsupported Request, nothing recorded (VT-d spec 4.2.1: an ATS request while TES=0). */
  public static TranslationResult unsupportedRequest(long iova) {
    return new TranslationResult(iova, 0, 0, false, false, -1, null, false, false);
  }

  public static TranslationResult identity(long iova) {
    return new TranslationResult(iova, iova, Page.SIZE, true, true, -1, null, false, false);
  }
}
