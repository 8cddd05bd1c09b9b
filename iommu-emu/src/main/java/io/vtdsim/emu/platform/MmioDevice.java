package io.vtdsim.emu.platform;

/**
 * A device register window on the {@link MmioBus}. Offsets are relative to the window's base; sizes are
 * 4 or 8 (the bus rejects everything else before the device sees it).
 */
public interface MmioDevice {
  long read(int offset, int size);

  void write(int offset, int size, long value);

  /** Size of the register window in bytes. */
  int windowSize();

  /** Short name for traces. */
  String name();
}
