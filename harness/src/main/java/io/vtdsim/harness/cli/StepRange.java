package io.vtdsim.harness.cli;

/** {@code --steps A..B} (or {@code A}): the runner's step indices, inclusive, as {@code explain} numbers them. */
final class StepRange {
  private StepRange() {}

  /** {from, to}; null or empty = every step. */
  static int[] parse(String text) {
    if (text == null || text.isBlank()) return new int[] {0, Integer.MAX_VALUE};
    String t = text.trim();
    int dots = t.indexOf("..");
    try {
      int from = Integer.parseInt(dots < 0 ? t : t.substring(0, dots).trim());
      int to = dots < 0 ? from : t.substring(dots + 2).isBlank() ? Integer.MAX_VALUE : Integer.parseInt(t.substring(dots + 2).trim());
      if (from < 0 || to < from) throw new CliException("--steps " + text + ": expected A..B with 0 ≤ A ≤ B, e.g. 2..4");
      return new int[] {from, to};
    } catch (NumberFormatException e) {
      throw new CliException("--steps " + text + ": expected A..B with step numbers, e.g. 2..4", e);
    }
  }
}
