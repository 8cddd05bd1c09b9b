package io.vtdsim.harness.machine;

/**
 * The machine died under the guest's input (for QEMU: the process exited mid-scenario). A finding
 * about the machine, reported as the run's {@code emulator-crash} outcome.
 */
public class MachineCrashedException extends MachineException {
  private static final long serialVersionUID = 1L;

  public MachineCrashedException(String message, Throwable cause) {
    super(message, cause);
  }
}
