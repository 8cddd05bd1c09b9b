package io.vtdsim.driver;

/**
 * The invalidation queue reported an error for this submission (IQE: a descriptor the hardware
 * rejected; the driver repaired the queue as Linux's qi_check_fault does and returns -EINVAL).
 */
public final class QueueErrorException extends DriverException {
  private static final long serialVersionUID = 1L;

  public QueueErrorException(String message) {
    super(message);
  }
}
