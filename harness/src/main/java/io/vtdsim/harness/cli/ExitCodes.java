package io.vtdsim.harness.cli;

/** The CLI's exit codes. */
public final class ExitCodes {
  private ExitCodes() {}

  /** Every scenario met its {@code expect}. */
  public static final int MET = 0;
  /** At least one scenario did not meet its {@code expect}. */
  public static final int NOT_MET = 1;
  /** Unreadable or invalid input: a scenario file, a {@code --set}, an option, an output path. */
  public static final int INVALID_INPUT = 2;
}
