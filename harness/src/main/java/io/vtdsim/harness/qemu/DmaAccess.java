package io.vtdsim.harness.qemu;

/**
 * The result of a device DMA performed by QEMU through its vIOMMU: {@code ok} with the bytes read
 * ({@code data}; empty for a write, and for an emulated device's read, whose bytes stay in edu's
 * buffer), or not ok with the errno QEMU answered: ENODEV = 19 when its vIOMMU refuses the address (not
 * mapped, or mapped without the permission; VT-d records the fault), EPERM = 1 when the memory access
 * itself fails (hw/vfio-user/proxy.c). For an emulated device, ENODEV when VT-d recorded a new fault.
 */
public record DmaAccess(boolean ok, byte[] data, int errno) {
  public DmaAccess {
    data = data == null ? new byte[0] : data;
  }

  static DmaAccess success(byte[] data) {
    return new DmaAccess(true, data, 0);
  }

  static DmaAccess failure(int errno) {
    return new DmaAccess(false, new byte[0], errno);
  }
}
