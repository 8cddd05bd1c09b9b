package io.vtdsim.harness.qemu;

/** QEMU did not answer within the session's timeout; the session has killed it. */
public class QemuTimeoutException extends QemuException {
  private static final long serialVersionUID = 1L;

  public QemuTimeoutException(String message) {
    super(message);
  }
}
