package io.vtdsim.harness.qemu;

/** Something went wrong with the real-QEMU backend (unchecked: the caller can not repair QEMU). */
public class QemuException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QemuException(String message) {
    super(message);
  }

  public QemuException(String message, Throwable cause) {
    super(message, cause);
  }
}
