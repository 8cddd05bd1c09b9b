package io.vtdsim.harness.cli;

import java.io.PrintWriter;
import java.util.function.IntConsumer;

/** A one-line progress bar redrawn with carriage returns; only used when a terminal is attached. */
final class ProgressBar implements IntConsumer {
  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final int total;

  ProgressBar(PrintWriter err, int total) {
    this.err = err;
    this.total = total;
  }

  /** A bar on stderr when {@code System.console() != null}, else nothing. */
  static IntConsumer forTerminal(PrintWriter err, int total) {
    return System.console() != null ? new ProgressBar(err, total) : done -> {};
  }

  @Override
  public void accept(int done) {
    int filled = total == 0 ? WIDTH : done * WIDTH / total;
    err.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total);
    if (done == total) err.print("\r" + " ".repeat(WIDTH + 24) + "\r");
    err.flush();
  }
}
