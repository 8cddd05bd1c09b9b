package io.vtdsim.driver;

/**
 * Base of the driver's errors: the machine answered in a way the driver can not proceed from. A closed
 * set: thrown as itself, or as a timeout or a queue error.
 */
public sealed class DriverException extends RuntimeException permits DriverTimeoutException, QueueErrorException {
  private static final long serialVersionUID = 1L;

  public DriverException(String message) {
    super(message);
  }
}
