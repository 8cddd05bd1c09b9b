package io.vtdsim.harness.qemu;

/** QEMU exited while the session needed it; the message has the exit status and the tail of its stderr. */
public class QemuCrashedException extends QemuException {
  private static final long serialVersionUID = 1L;
  private final int exitStatus;

  public QemuCrashedException(String message, int exitStatus) {
    super(message);
    this.exitStatus = exitStatus;
  }

  /** The process's exit status as Java reports it (128 + signal number for a signal; -1 when unknown). */
  public int exitStatus() {
    return exitStatus;
  }
}
