package io.vtdsim.harness.oracle;

/**
 * A contiguous translation: [iova, iova + size) → [gpa, gpa + size) with read/write permission. The
 * oracle's own value type, so that it does not depend on how a host container stores mappings.
 */
public record MappedRange(long iova, long gpa, long size, boolean read, boolean write) {
  public MappedRange {
    if (size <= 0) throw new IllegalArgumentException("mapped range size must be positive: " + size);
  }

  public long end() {
    return iova + size;
  }

  String perm() {
    return Runs.permText(Runs.perm(read, write));
  }

  @Override
  public String toString() {
    return String.format("[0x%x, 0x%x) → 0x%x %s", iova, iova + size, gpa, perm());
  }
}
