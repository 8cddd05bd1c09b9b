package io.vtdsim.driver;

/** One scatter-gather segment: {@code length} bytes of guest memory at {@code gpa}. */
public record SgEntry(long gpa, long length) {
  public SgEntry {
    if (length <= 0) throw new IllegalArgumentException("segment length must be > 0: " + length);
    if (gpa < 0) throw new IllegalArgumentException("negative guest address: " + gpa);
  }
}
