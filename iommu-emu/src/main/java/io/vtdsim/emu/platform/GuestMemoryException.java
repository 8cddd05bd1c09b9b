package io.vtdsim.emu.platform;

/** Guest software (or a harness) accessed guest-physical memory outside RAM. */
public final class GuestMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GuestMemoryException(String message) {
    super(message);
  }
}
