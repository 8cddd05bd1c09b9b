package io.vtdsim.harness.qemu;

/**
 * The result of a device DMA performed by QEMU through its vIOMMU: {@code ok} with the bytes read
 * ({@code data}; empty for a write), or not ok with the errno QEMU answered (ENODEV = 19 for a
 * translation fault, EPERM = 1 for a permission fault; see hw/vfio-user/proxy.c).
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
