package io.vtdsim.emu.spec;

/**
 * Interrupt-entry-cache invalidate descriptor (type 4, VT-d spec 6.5.2.7): lo G 4 (0 global, 1
 * index-selective), IM 31:27, IIDX 47:32; reserved masks as QEMU (lo 0xFFFF_0000_07FF_F1E0, hi all).
 */
public record InterruptEntryCacheInvalidation(boolean indexSelective, int indexMask, int index)
    implements InvalidationDescriptor {
  public static final long LO_RESERVED = 0xFFFF_0000_07FF_F1E0L;

  @Override
  public long lo() {
    return TYPE_INTERRUPT_ENTRY_CACHE
        | Bits.bit(indexSelective, 4)
        | ((long) indexMask << 27)
        | ((long) index << 32);
  }

  @Override
  public long hi() {
    return 0;
  }

  static InvalidationDescriptor decode(long lo, long hi) {
    if ((lo & LO_RESERVED) != 0 || hi != 0) {
      return new Malformed(lo, hi, "interrupt-entry-cache invalidation: reserved bits set");
    }
    return new InterruptEntryCacheInvalidation(
        Bits.bit(lo, 4), (int) Bits.get(lo, 31, 27), (int) Bits.get(lo, 47, 32));
  }

  @Override
  public String describe() {
    return indexSelective ? "IEC index=" + index + " IM=" + indexMask : "IEC global";
  }
}
