package io.vtdsim.harness.qemu;

/** No usable QEMU (missing, too old, or without the {@code vfio-user-pci} device); the message says what was tried. */
public class QemuUnavailableException extends QemuException {
  private static final long serialVersionUID = 1L;

  public QemuUnavailableException(String message) {
    super(message);
  }
}
