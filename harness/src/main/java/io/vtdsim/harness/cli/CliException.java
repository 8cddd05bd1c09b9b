package io.vtdsim.harness.cli;

/** Bad input the CLI detected itself (unwritable output file, no scenario named); exit code 2. */
final class CliException extends RuntimeException {
  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
