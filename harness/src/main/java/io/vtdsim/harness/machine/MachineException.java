package io.vtdsim.harness.machine;

/**
 * The machine could not be started or stopped answering (for QEMU: not installed, too old, a reply
 * timeout). Not a verdict about the guest or the machine: the run is invalid (the CLI exits 2).
 */
public class MachineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MachineException(String message, Throwable cause) {
    super(message, cause);
  }
}
