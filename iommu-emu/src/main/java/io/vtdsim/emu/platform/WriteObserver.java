package io.vtdsim.emu.platform;

/** Told after bytes of an observed guest page change (by the guest or by a device/hardware write). */
@FunctionalInterface
public interface WriteObserver {
  /**
   * @param gpa first written guest-physical address
   * @param length number of bytes written (within one 4 KiB page)
   */
  void written(long gpa, int length);
}
