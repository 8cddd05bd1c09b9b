package io.vtdsim.emu.vtd;

/**
 * The register window's storage, byte by byte as QEMU keeps it: the value, the writable bits, the
 * write-1-to-clear bits and the write-only bits (which always read back as 0). Little-endian; any
 * offset and size is safe (bytes outside the window read as 0 and are not written).
 */
final class RegisterFile {
  private final byte[] value;
  private final byte[] writable;
  private final byte[] writeOneToClear;
  private final byte[] writeOnly;
  private byte[] resetValue;

  RegisterFile(int size) {
    value = new byte[size];
    writable = new byte[size];
    writeOneToClear = new byte[size];
    writeOnly = new byte[size];
    resetValue = new byte[size];
  }

  int size() {
    return value.length;
  }

  void define32(int offset, int reset, int wmask, int w1cmask) {
    store(value, offset, 4, reset);
    store(writable, offset, 4, wmask);
    store(writeOneToClear, offset, 4, w1cmask);
  }

  void define64(int offset, long reset, long wmask, long w1cmask) {
    store(value, offset, 8, reset);
    store(writable, offset, 8, wmask);
    store(writeOneToClear, offset, 8, w1cmask);
  }

  /** Bits of the register at {@code offset} that read back as 0 whatever was written. */
  void defineWriteOnly(int offset, int size, long mask) {
    store(writeOnly, offset, size, mask);
  }

  /** Remembers the current values as the reset values. */
  void captureResetValues() {
    resetValue = value.clone();
  }

  void reset() {
    System.arraycopy(resetValue, 0, value, 0, value.length);
  }

  /** The stored value, as the hardware sees it (write-only bits included). */
  long raw(int offset, int size) {
    return load(value, offset, size);
  }

  int raw32(int offset) {
    return (int) load(value, offset, 4);
  }

  long raw64(int offset) {
    return load(value, offset, 8);
  }

  void setRaw(int offset, int size, long v) {
    store(value, offset, size, v);
  }

  /** Hardware update: clears {@code clear}, then sets {@code set} (QEMU's vtd_set_clear_mask_*). */
  void update32(int offset, int clear, int set) {
    setRaw(offset, 4, (raw32(offset) & ~clear) | set);
  }

  void update64(int offset, long clear, long set) {
    setRaw(offset, 8, (raw64(offset) & ~clear) | set);
  }

  /**
   * A software write: writable bits take the new value, others keep theirs, then written 1s clear
   * the write-1-to-clear bits.
   */
  void guestWrite(int offset, int size, long v) {
    for (int i = 0; i < size; i++) {
      int at = offset + i;
      if (at < 0 || at >= value.length) continue;
      int b = (int) (v >>> (8 * i)) & 0xFF;
      int old = value[at] & 0xFF;
      int wm = writable[at] & 0xFF;
      int next = ((old & ~wm) | (b & wm)) & ~(b & writeOneToClear[at] & 0xFF);
      value[at] = (byte) next;
    }
  }

  /** A software read: the value without the write-only bits. */
  long guestRead(int offset, int size) {
    return load(value, offset, size) & ~load(writeOnly, offset, size);
  }

  private static long load(byte[] a, int offset, int size) {
    long v = 0;
    for (int i = 0; i < size; i++) {
      int at = offset + i;
      if (at < 0 || at >= a.length) continue;
      v |= (a[at] & 0xFFL) << (8 * i);
    }
    return v;
  }

  private static void store(byte[] a, int offset, int size, long v) {
    for (int i = 0; i < size; i++) {
      int at = offset + i;
      if (at < 0 || at >= a.length) continue;
      a[at] = (byte) (v >>> (8 * i));
    }
  }
}
