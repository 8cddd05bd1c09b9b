package io.vtdsim.harness.oracle;

import io.vtdsim.emu.platform.RamRegion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A sorted list of non-overlapping translation runs held in primitive arrays (4 longs-worth per run,
 * no object per page): a million 4 KiB leaves cost a few tens of MB, and contiguous leaves with
 * contiguous targets and equal permissions merge into one run. Appends must be in ascending IOVA
 * order.
 */
final class Runs {
  private long[] iova = new long[16];
  private long[] size = new long[16];
  private long[] gpa = new long[16];
  private byte[] perm = new byte[16];
  private int n;

  static byte perm(boolean read, boolean write) {
    return (byte) ((read ? 1 : 0) | (write ? 2 : 0));
  }

  static String permText(int p) {
    return switch (p & 3) {
      case 1 -> "r";
      case 2 -> "w";
      case 3 -> "rw";
      default -> "-";
    };
  }

  /** Appends [iova, iova+size) → gpa; merges with the previous run when contiguous and alike. */
  void add(long runIova, long runSize, long runGpa, int p) {
    if (runSize <= 0) return;
    if (n > 0) {
      long lastEnd = iova[n - 1] + size[n - 1];
      if (Long.compareUnsigned(runIova, lastEnd) < 0) {
        throw new IllegalStateException(String.format("runs out of order: 0x%x after end 0x%x", runIova, lastEnd));
      }
      if (runIova == lastEnd && runGpa == gpa[n - 1] + size[n - 1] && p == perm[n - 1]) {
        size[n - 1] += runSize;
        return;
      }
    }
    if (n == iova.length) {
      int c = n * 2;
      iova = Arrays.copyOf(iova, c);
      size = Arrays.copyOf(size, c);
      gpa = Arrays.copyOf(gpa, c);
      perm = Arrays.copyOf(perm, c);
    }
    iova[n] = runIova;
    size[n] = runSize;
    gpa[n] = runGpa;
    perm[n] = (byte) p;
    n++;
  }

  void add(MappedRange m) {
    add(m.iova(), m.size(), m.gpa(), perm(m.read(), m.write()));
  }

  int count() {
    return n;
  }

  long iova(int i) {
    return iova[i];
  }

  long size(int i) {
    return size[i];
  }

  long end(int i) {
    return iova[i] + size[i];
  }

  long gpa(int i) {
    return gpa[i];
  }

  int perm(int i) {
    return perm[i];
  }

  /** Total bytes mapped. */
  long bytes() {
    long s = 0;
    for (int i = 0; i < n; i++) s += size[i];
    return s;
  }

  List<MappedRange> toList() {
    List<MappedRange> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new MappedRange(iova[i], gpa[i], size[i], (perm[i] & 1) != 0, (perm[i] & 2) != 0));
    }
    return out;
  }

  /** The part of these runs inside [start, end) (these runs themselves when all lie inside: no copy). */
  Runs clip(long start, long end) {
    if (n == 0 || (iova[0] >= start && end(n - 1) <= end)) return this;
    Runs out = new Runs();
    for (int i = 0; i < n; i++) {
      long s = Math.max(iova[i], start);
      long e = Math.min(end(i), end);
      if (s < e) out.add(s, e - s, gpa[i] + (s - iova[i]), perm[i]);
    }
    return out;
  }

  /** These runs minus the IOVAs in [holeStart, holeEnd) (these runs themselves when none overlaps it). */
  Runs without(long holeStart, long holeEnd) {
    if (!overlaps(holeStart, holeEnd)) return this;
    Runs out = new Runs();
    for (int i = 0; i < n; i++) {
      long s = iova[i];
      long e = end(i);
      if (e <= holeStart || s >= holeEnd) {
        out.add(s, e - s, gpa[i], perm[i]);
        continue;
      }
      if (s < holeStart) out.add(s, holeStart - s, gpa[i], perm[i]);
      if (e > holeEnd) out.add(holeEnd, e - holeEnd, gpa[i] + (holeEnd - s), perm[i]);
    }
    return out;
  }

  /**
   * These runs restricted to the parts whose target lies in RAM (the host can only map RAM); these runs
   * themselves when every target lies in one region (a copy would equal them: runs are never split).
   */
  Runs targetsIn(List<RamRegion> ram) {
    if (targetsInsideOneRegion(ram)) return this;
    Runs out = new Runs();
    for (int i = 0; i < n; i++) {
      long g = gpa[i];
      long ge = g + size[i];
      // regions are sorted by base, so pieces come out in IOVA order
      for (RamRegion r : ram) {
        long s = Math.max(g, r.base());
        long e = Math.min(ge, r.end());
        if (s < e) out.add(iova[i] + (s - g), e - s, s, perm[i]);
      }
    }
    return out;
  }

  private boolean overlaps(long start, long end) {
    for (int i = 0; i < n; i++) {
      if (iova[i] < end && end(i) > start) return true;
    }
    return false;
  }

  private boolean targetsInsideOneRegion(List<RamRegion> ram) {
    runs:
    for (int i = 0; i < n; i++) {
      for (RamRegion r : ram) {
        if (gpa[i] >= r.base() && gpa[i] + size[i] <= r.end()) continue runs;
      }
      return false;
    }
    return true;
  }

  /** The identity map of RAM, read+write (what a device sees with translation off or pass-through). */
  static Runs identity(List<RamRegion> ram) {
    Runs out = new Runs();
    for (RamRegion r : ram) out.add(r.base(), r.size(), r.base(), 3);
    return out;
  }

  /** A host view's mappings, read without a list of them. */
  static Runs of(HostView host) {
    Runs out = new Runs();
    host.forEachMapping((i, g, s, r, w) -> out.add(i, s, g, perm(r, w)));
    return out;
  }

  /**
   * These runs (guest IOVA → guest-physical) composed with a stage 2 (guest-physical → final): the
   * parts stage 2 maps, at its output, with the permissions of both.
   */
  Runs through(HostView stage2) {
    Runs out = new Runs();
    for (int i = 0; i < n; i++) {
      long g = gpa[i];
      long ge = g + size[i];
      for (MappedRange m : stage2.mappingsIn(g, ge)) {
        long s = Math.max(g, m.iova());
        long e = Math.min(ge, m.end());
        if (s < e) out.add(iova[i] + (s - g), e - s, m.gpa() + (s - m.iova()), perm[i] & perm(m.read(), m.write()));
      }
    }
    return out;
  }

  /** {@code over} where it has runs, these runs elsewhere (both sorted; {@code over}'s runs must not overlap). */
  Runs overlaidBy(Runs over) {
    Runs out = new Runs();
    int j = 0;
    long x = Long.MIN_VALUE; // everything below x is emitted
    for (int k = 0; k < over.n; k++) {
      long os = Math.max(over.iova[k], x);
      long oe = over.end(k);
      if (os >= oe) continue;
      for (; j < n && end(j) <= os; j++) emitFrom(out, j, x, end(j));
      if (j < n && iova[j] < os) emitFrom(out, j, x, os);
      out.add(os, oe - os, over.gpa[k] + (os - over.iova[k]), over.perm[k]);
      x = oe;
      while (j < n && end(j) <= x) j++;
    }
    for (; j < n; j++) emitFrom(out, j, x, end(j));
    return out;
  }

  /** Appends the part of run {@code i} in [max(from, its start), to). */
  private void emitFrom(Runs out, int i, long from, long to) {
    long s = Math.max(iova[i], from);
    if (s < to) out.add(s, to - s, gpa[i] + (s - iova[i]), perm[i]);
  }

  static Runs of(List<MappedRange> ranges) {
    Runs out = new Runs();
    for (MappedRange m : ranges) out.add(m);
    return out;
  }

  @Override
  public String toString() {
    return toList().toString();
  }
}
