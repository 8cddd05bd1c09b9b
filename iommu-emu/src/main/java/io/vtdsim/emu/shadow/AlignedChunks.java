package io.vtdsim.emu.shadow;

/**
 * Cuts a range into naturally aligned power-of-two blocks, largest first from the left, as QEMU's
 * {@code dma_aligned_pow2_mask}: each block is the largest power of two that is aligned to the
 * current start and fits in what remains. The result is the range's canonical decomposition, so no
 * block can bisect a naturally aligned mapping that lies inside the range.
 */
public final class AlignedChunks {
  private AlignedChunks() {}

  public interface Sink {
    void chunk(long start, long size);
  }

  /** Calls {@code sink} for each block of [start, end) (end exclusive, both ≥ 0, end ≤ 2^63 − 1). */
  public static void forEach(long start, long end, Sink sink) {
    long p = start;
    while (p < end) {
      long fit = Long.highestOneBit(end - p);
      long size = p == 0 ? fit : Math.min(Long.lowestOneBit(p), fit);
      sink.chunk(p, size);
      p += size;
    }
  }
}
