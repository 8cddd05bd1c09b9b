package io.vtdsim.emu.platform;

/**
 * A subscriber that takes the frequent kinds as facts — the few numbers it reads from them — so that
 * a log that retains nothing and has no {@link EventLog#subscribe full subscriber} builds no event for
 * it (the counters and the oracle: a run that nobody watches pays for no event object).
 *
 * <p>Emitters of these kinds ask {@link EventLog#building()}: when true they emit the event, and the
 * log hands it to each intake through {@link #deliver} (the same calls, read back from the record);
 * otherwise they call {@link EventLog#intake()} directly. Every other kind reaches an intake as the
 * built {@link Event} ({@link #event}), except the kinds no intake takes ({@code vtd.translate},
 * {@code vtd.cache-invalidate}, {@code vtd.wait-complete}, {@code driver.flush}), which are built
 * only when the log builds events.
 */
public interface EventIntake {
  /** An event of a kind without a fact method below. */
  void event(Event e);

  /** An MMIO read ({@code mmio.read}). */
  default void mmioRead() {}

  /** An MMIO write ({@code mmio.write}). */
  default void mmioWrite() {}

  /** A queued descriptor executed ({@code vtd.descriptor}), by its {@code desc} name. */
  default void descriptor(String desc) {}

  /** A host container map call ({@code host.map}), failed ones included. */
  default void hostMap(String container, long iova, long size) {}

  /** A host container unmap call ({@code host.unmap}), failed ones included. */
  default void hostUnmap(String container, long iova, long size) {}

  /** A shadow notifier event ({@code shadow.notify}). */
  default void shadowNotify(long iova, long size) {}

  /** A shadow walk of [start, end) that read {@code entries} entries ({@code shadow.walk}). */
  default void shadowWalk(long start, long end, long entries) {}

  /** A DMA that completed ({@code dma.ok}). */
  default void dmaOk() {}

  /** Hands {@code e} to {@code intake}: the fact call of its kind, else {@link #event}. */
  static void deliver(EventIntake intake, Event e) {
    EventBody b = e.body();
    if (b instanceof EventBody.MmioRead) intake.mmioRead();
    else if (b instanceof EventBody.MmioWrite) intake.mmioWrite();
    else if (b instanceof EventBody.Descriptor d) intake.descriptor(d.desc());
    else if (b instanceof EventBody.HostMap m) intake.hostMap(m.container(), m.iova(), m.size());
    else if (b instanceof EventBody.HostUnmap u) intake.hostUnmap(u.container(), u.iova(), u.size());
    else if (b instanceof EventBody.ShadowNotify n) intake.shadowNotify(n.iova(), n.size());
    else if (b instanceof EventBody.ShadowWalk w) intake.shadowWalk(w.start(), w.end(), w.entries());
    else if (b instanceof EventBody.DmaOk) intake.dmaOk();
    else intake.event(e);
  }

  /** Whether {@code e} is of a kind no intake takes (see the class comment). */
  static boolean ignored(Event e) {
    return switch (e.body().type()) {
      case TRANSLATE, CACHE_INVALIDATE, WAIT_COMPLETE, DRIVER_FLUSH -> true;
      default -> false;
    };
  }
}
