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
        InvalidationDescriptor.Malformed {

  int TYPE_CONTEXT_CACHE = 1;
  int TYPE_IOTLB = 2;
  int TYPE_DEVICE_TLB = 3;
  int TYPE_INTERRUPT_ENTRY_CACHE = 4;
  int TYPE_WAIT = 5;

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

  /** A descriptor the hardware rejects with IQE; {@code reason} says why. */
  record Malformed(long lo, long hi, String reason) implements InvalidationDescriptor {
    @Override
    public String describe() {
      return String.format("MALFORMED lo=0x%x hi=0x%x (%s)", lo, hi, reason);
    }
  }
}
