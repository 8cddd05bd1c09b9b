package io.vtdsim.harness.oracle;

/**
 * Compares two run lists as translation functions over IOVA: a sweep over the union of their
 * boundaries classifies each piece (only expected → missing, only actual → stale, different target →
 * wrong-target, same target but different R/W → wrong-permission) and merges contiguous pieces of the
 * same kind into one finding.
 */
final class Diff {
  /** Receives merged findings. */
  interface Sink {
    void found(Violation.Kind kind, long iova, long size, String detail);
  }

  /** Decides whether a piece found only in {@code actual} is tolerated (lazy flush queue). */
  interface StaleFilter {
    boolean tolerated(long iova, long size);
  }

  private final String expectedName;
  private final String actualName;
  private final StaleFilter staleFilter;
  private final Sink sink;
  private Violation.Kind pendingKind;
  private long pendingStart;
  private long pendingEnd;
  private String pendingDetail;

  private Diff(String expectedName, String actualName, StaleFilter staleFilter, Sink sink) {
    this.expectedName = expectedName;
    this.actualName = actualName;
    this.staleFilter = staleFilter;
    this.sink = sink;
  }

  static void compare(Runs expected, Runs actual, String expectedName, String actualName, StaleFilter staleFilter, Sink sink) {
    new Diff(expectedName, actualName, staleFilter, sink).sweep(expected, actual);
  }

  private void sweep(Runs e, Runs a) {
    int i = 0;
    int j = 0;
    int ne = e.count();
    int na = a.count();
    long x = Long.MIN_VALUE;
    while (true) {
      while (i < ne && e.end(i) <= x) i++;
      while (j < na && a.end(j) <= x) j++;
      if (i >= ne && j >= na) break;
      boolean inE = i < ne && e.iova(i) <= x;
      boolean inA = j < na && a.iova(j) <= x;
      if (!inE && !inA) {
        x = Math.min(i < ne ? e.iova(i) : Long.MAX_VALUE, j < na ? a.iova(j) : Long.MAX_VALUE);
        continue;
      }
      long next = Long.MAX_VALUE;
      if (i < ne) next = Math.min(next, inE ? e.end(i) : e.iova(i));
      if (j < na) next = Math.min(next, inA ? a.end(j) : a.iova(j));
      classify(e, i, inE, a, j, inA, x, next);
      x = next;
    }
    flush();
  }

  private void classify(Runs e, int i, boolean inE, Runs a, int j, boolean inA, long x, long next) {
    long eg = inE ? e.gpa(i) + (x - e.iova(i)) : 0;
    long ag = inA ? a.gpa(j) + (x - a.iova(j)) : 0;
    if (inE && !inA) {
      emit(Violation.MISSING_MAPPING, x, next, String.format("expected → gpa 0x%x %s (%s); %s has no mapping",
          eg, Runs.permText(e.perm(i)), expectedName, actualName));
    } else if (!inE) {
      if (staleFilter != null && staleFilter.tolerated(x, next - x)) {
        flush();
        return;
      }
      emit(Violation.STALE_MAPPING, x, next, String.format("expected no mapping (%s); %s maps → gpa 0x%x %s",
          expectedName, actualName, ag, Runs.permText(a.perm(j))));
    } else if (eg != ag) {
      emit(Violation.WRONG_TARGET, x, next, String.format("expected → gpa 0x%x (%s); %s maps → gpa 0x%x",
          eg, expectedName, actualName, ag));
    } else if (e.perm(i) != a.perm(j)) {
      emit(Violation.WRONG_PERMISSION, x, next, String.format("expected %s (%s); %s has %s",
          Runs.permText(e.perm(i)), expectedName, actualName, Runs.permText(a.perm(j))));
    } else {
      flush();
    }
  }

  private void emit(Violation.Kind kind, long start, long end, String detail) {
    if (kind == pendingKind && start == pendingEnd) {
      pendingEnd = end;
      return;
    }
    flush();
    pendingKind = kind;
    pendingStart = start;
    pendingEnd = end;
    pendingDetail = detail;
  }

  private void flush() {
    if (pendingKind != null) {
      String d = pendingDetail;
      sink.found(pendingKind, pendingStart, pendingEnd - pendingStart, d);
      pendingKind = null;
    }
  }
}
