package io.vtdsim.harness.oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The IOVA ranges a step touched, for the oracle's next incremental check: sorted, disjoint ranges in
 * two primitive arrays, a new range merged with those it overlaps or adjoins. Adding the same page
 * again (a map's driver call, notifier event, host call and walk) allocates nothing.
 */
final class TouchedRanges {
  private long[] starts = new long[8];
  private long[] ends = new long[8];
  private int n;
  private long bytes;

  /** Adds [start, end) (start < end). */
  void add(long start, long end) {
    int i = firstEndingAtOrAfter(start);
    int j = i;
    while (j < n && starts[j] <= end) {
      start = Math.min(start, starts[j]);
      end = Math.max(end, ends[j]);
      bytes -= ends[j] - starts[j];
      j++;
    }
    if (i == j) {
      if (n == starts.length) {
        starts = Arrays.copyOf(starts, n * 2);
        ends = Arrays.copyOf(ends, n * 2);
      }
      System.arraycopy(starts, i, starts, i + 1, n - i);
      System.arraycopy(ends, i, ends, i + 1, n - i);
      n++;
    } else if (j > i + 1) {
      System.arraycopy(starts, j, starts, i + 1, n - j);
      System.arraycopy(ends, j, ends, i + 1, n - j);
      n -= j - i - 1;
    }
    starts[i] = start;
    ends[i] = end;
    bytes += end - start;
  }

  /** The first range whose end is at or after {@code start} (ends ascend: the ranges are disjoint). */
  private int firstEndingAtOrAfter(long start) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ends[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes covered. */
  long bytes() {
    return bytes;
  }

  boolean isEmpty() {
    return n == 0;
  }

  /** The ranges as {start, end} pairs, ascending. */
  List<long[]> ranges() {
    List<long[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(new long[] {starts[i], ends[i]});
    return out;
  }

  void clear() {
    n = 0;
    bytes = 0;
  }
}
