package io.vtdsim.emu.host;

/**
 * One mapping held by a host container: [iova, iova + size) → guest-physical [gpa, gpa + size) (the
 * VMM has already turned the guest-physical address into its host address; we keep the GPA so
 * checks can compare with guest tables).
 */
public record HostMapping(long iova, long gpa, long size, boolean read, boolean write) {
  /** True when {@code address} lies in [iova, iova + size). */
  public boolean contains(long address) {
    return address >= iova && address - iova < size;
  }

  /** Exclusive end of the IOVA range. */
  public long end() {
    return iova + size;
  }
}
