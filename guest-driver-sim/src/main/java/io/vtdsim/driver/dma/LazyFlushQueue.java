package io.vtdsim.driver.dma;

import io.vtdsim.emu.platform.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Deferred IOTLB invalidation (Linux iova.c flush queue, later dma-iommu.c fq): unmapped ranges wait here, and are flushed together
 * when the queue is full or 10 ms of simulated time after the timer was armed. ≥4.14 (iova.c flush
 * queue): a full ring is flushed before the new entry goes in; ≤4.13 (deferred_flush): the table is
 * flushed when the new entry makes it reach the high-water mark.
 *
 * @param <E> what an entry carries (IOVA, pages, freelist ...)
 */
final class LazyFlushQueue<E> {
  /** FQ_TIMEOUT / the deferred-flush timer: 10 ms. */
  public static final long TIMEOUT_NANOS = 10_000_000L;

  private final Clock clock;
  private final int capacity;
  private final boolean flushBeforeAppend;
  private final Consumer<List<E>> flusher;
  private final List<E> entries = new ArrayList<>();
  private Clock.Timer timer;

  /**
   * @param flusher performs the flush-all and frees the entries; called with the drained entries (the
   *     timer calls it from {@link Clock#advance}; the owner serialises)
   */
  public LazyFlushQueue(Clock clock, int capacity, boolean flushBeforeAppend, Consumer<List<E>> flusher) {
    this.clock = clock;
    this.capacity = capacity;
    this.flushBeforeAppend = flushBeforeAppend;
    this.flusher = flusher;
  }

  public void add(E entry, Runnable onTimeout) {
    if (flushBeforeAppend && entries.size() >= capacity) flushAll();
    entries.add(entry);
    if (!flushBeforeAppend && entries.size() >= capacity) {
      flushAll();
      return;
    }
    if (timer == null || !timer.pending()) timer = clock.scheduleIn(TIMEOUT_NANOS, onTimeout);
  }

  /** Drains the queue through the flusher (no-op when empty). */
  public void flushAll() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
    if (entries.isEmpty()) return;
    List<E> drained = new ArrayList<>(entries);
    entries.clear();
    flusher.accept(drained);
  }

  public List<E> pending() {
    return List.copyOf(entries);
  }

  public int size() {
    return entries.size();
  }
}
