package io.vtdsim.driver;

/**
 * The hardware did not complete an operation within {@link DriverConfig#waitBound()} polls. Linux spins
 * (about 10 s, then panics "DMAR hardware is malfunctioning", or forever in qi_submit_sync); the
 * simulator turns that hang into this error.
 */
public final class DriverTimeoutException extends DriverException {
  private static final long serialVersionUID = 1L;

  public DriverTimeoutException(String message) {
    super(message);
  }
}
