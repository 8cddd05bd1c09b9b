package io.vtdsim.harness.cli;

/** The {@code --threads N} of {@code matrix} and {@code demo}. */
final class Threads {
  private Threads() {}

  static void check(int threads) {
    if (threads < 1) throw new CliException("--threads must be at least 1, got " + threads);
  }
}
