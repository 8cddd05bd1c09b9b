package io.vtdsim.emu.spec;

/**
 * A 128-bit invalidation descriptor (VT-d spec 6.5.2). The type is bits 3:0 of the low quadword, with
 * bits 11:9 supplying type bits 6:4. {@link #decode} never throws: a descriptor the hardware must
 * reject (unknown type, reserved bits, invalid granularity) decodes to {@link Malformed}.
 */
public sealed interface InvalidationDescriptor
    permits ContextCacheInvalidation,
        IotlbInvalidation,
        DeviceTlbInvalidation,
        InterruptEntryCacheInvalidation,
        InvalidationWait,
        PasidIotlbInvalidation,
        PasidCacheInvalidation,
        PasidDeviceTlbInvalidation,
        InvalidationDescriptor.Malformed {

  int TYPE_CONTEXT_CACHE = 1;
  int TYPE_IOTLB = 2;
  int TYPE_DEVICE_TLB = 3;
  int TYPE_INTERRUPT_ENTRY_CACHE = 4;
  int TYPE_WAIT = 5;
  /** 256-bit descriptors of scalable mode (spec 6.5.2.2, 6.5.2.4, 6.5.2.6); see {@link #decodeWide}. */
  int TYPE_PASID_IOTLB = 6;
  int TYPE_PASID_CACHE = 7;
  int TYPE_PASID_DEVICE_TLB = 8;

  long lo();

  long hi();

  /** Short human-readable decoding for traces. */
  String describe();

  /** The 7-bit descriptor type of a low quadword. */
  static int type(long lo) {
    return (int) ((lo & 0xF) | (((lo >>> 9) & 0x7) << 4));
  }

  /**
   * Decodes one legacy descriptor as hardware would, checking the reserved bits of its type (masks
   * as QEMU's vtd_inv_desc_reserved_check and the spec's descriptor layouts).
   *
   * @param pageDrainSupported ECAP.PDS: without it the wait descriptor's PD bit is reserved
   */
  static InvalidationDescriptor decode(long lo, long hi, boolean pageDrainSupported) {
    int type = type(lo);
    switch (type) {
      case TYPE_CONTEXT_CACHE:
        return ContextCacheInvalidation.decode(lo, hi);
      case TYPE_IOTLB:
        return IotlbInvalidation.decode(lo, hi);
      case TYPE_DEVICE_TLB:
        return DeviceTlbInvalidation.decode(lo, hi);
      case TYPE_INTERRUPT_ENTRY_CACHE:
        return InterruptEntryCacheInvalidation.decode(lo, hi);
      case TYPE_WAIT:
        return InvalidationWait.decode(lo, hi, pageDrainSupported);
      default:
        return new Malformed(lo, hi, "unknown descriptor type " + type);
    }
  }

  /**
   * Decodes a descriptor fetched from a 256-bit queue (IQA.DW=1, spec 6.5.2): the PASID-based IOTLB,
   * PASID-cache and PASID-based device-TLB descriptors by their own layouts, everything else as
   * {@link #decode}. Their quadwords 2 and 3 are reserved (and legacy descriptors' must be 0, as
   * QEMU's vtd_inv_desc_reserved_check), which the queue checks.
   */
  static InvalidationDescriptor decodeWide(long lo, long hi, boolean pageDrainSupported) {
    return switch (type(lo)) {
      case TYPE_PASID_IOTLB -> PasidIotlbInvalidation.decode(lo, hi);
      case TYPE_PASID_CACHE -> PasidCacheInvalidation.decode(lo, hi);
      case TYPE_PASID_DEVICE_TLB -> PasidDeviceTlbInvalidation.decode(lo, hi);
      default -> decode(lo, hi, pageDrainSupported);
    };
  }

  /** A descriptor the hardware rejects with IQE; {@code reason} says why. */
  record Malformed(long lo, long hi, String reason) implements InvalidationDescriptor {
    @Override
    public String describe() {
      return String.format("MALFORMED lo=0x%x hi=0x%x (%s)", lo, hi, reason);
    }
  }
}
