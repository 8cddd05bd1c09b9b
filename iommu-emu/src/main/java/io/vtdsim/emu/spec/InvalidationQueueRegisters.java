package io.vtdsim.emu.spec;

/**
 * IQA (0x90), IQH (0x80) and IQT (0x88), VT-d spec 11.4.9. IQA: base 63:12, DW 11 (256-bit
 * descriptors), QS 2:0 (2^QS 4 KiB pages). IQH/IQT hold a descriptor index in bits 18:4 (128-bit
 * descriptors) or 18:5 (256-bit).
 */
public final class InvalidationQueueRegisters {
  private InvalidationQueueRegisters() {}

  public static final long IQA_BASE_MASK = Bits.mask(63, 12);
  public static final long IQA_DW = 1L << 11;
  public static final long IQA_QS_MASK = 0x7;
  /** IQT/IQH writable index bits (18:4). */
  public static final long INDEX_MASK = Bits.mask(18, 4);
  /** IQT bit 4: must be 0 when the queue holds 256-bit descriptors (spec 11.4.9.2). */
  public static final long IQT_256_RESERVED = 1L << 4;

  public static long iqa(long base, boolean dw256, int qs) {
    if ((base & ~IQA_BASE_MASK) != 0) throw new IllegalArgumentException("IQA base must be 4 KiB aligned");
    if (qs < 0 || qs > 7) throw new IllegalArgumentException("QS out of range: " + qs);
    return base | (dw256 ? IQA_DW : 0) | qs;
  }

  public static long base(long iqa) {
    return iqa & IQA_BASE_MASK;
  }

  public static boolean is256(long iqa) {
    return (iqa & IQA_DW) != 0;
  }

  public static int qs(long iqa) {
    return (int) (iqa & IQA_QS_MASK);
  }

  /** Number of descriptors in the queue: 2^(QS+8) for 128-bit, 2^(QS+7) for 256-bit descriptors. */
  public static int entries(long iqa) {
    return is256(iqa) ? 1 << (qs(iqa) + 7) : 1 << (qs(iqa) + 8);
  }

  /** Descriptor size in bytes. */
  public static int descriptorSize(long iqa) {
    return is256(iqa) ? 32 : 16;
  }

  /** Guest address of descriptor {@code index} of a queue at {@code base} (128- or 256-bit descriptors). */
  public static long descriptorAddress(long base, int index, boolean dw256) {
    return base + (long) index * (dw256 ? 32 : 16);
  }

  /** IQH/IQT register value for a descriptor index. */
  public static long indexToRegister(int index, boolean dw256) {
    return ((long) index) << (dw256 ? 5 : 4);
  }

  /** Descriptor index held by an IQH/IQT register value. */
  public static int registerToIndex(long reg, boolean dw256) {
    return dw256 ? (int) ((reg >>> 5) & 0x3FFF) : (int) ((reg >>> 4) & 0x7FFF);
  }
}
