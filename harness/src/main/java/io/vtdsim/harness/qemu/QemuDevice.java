package io.vtdsim.harness.qemu;

/**
 * A PCI function of the QEMU machine: {@code assigned} ones are {@code vfio-user-pci} devices served
 * by the session's own vfio-user server (their DMA goes through QEMU's shadow into the host
 * mappings), the others are QEMU's {@code edu} device (DMA through QEMU's own VT-d translation).
 */
public record QemuDevice(String id, int bus, int device, int function, boolean assigned) {
  /** Requester ID (bus:device.function), the VT-d source-id. */
  public int sid() {
    return bus << 8 | device << 3 | function;
  }

  /** QEMU's {@code addr} property: {@code DD.F}. */
  String qemuAddr() {
    return String.format("%02x.%x", device, function);
  }

  String bdf() {
    return String.format("%02x:%02x.%x", bus, device, function);
  }
}
