package io.vtdsim.driver;

/** Base of the driver's errors: the machine answered in a way the driver can not proceed from. */
public class DriverException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DriverException(String message) {
    super(message);
  }
}
