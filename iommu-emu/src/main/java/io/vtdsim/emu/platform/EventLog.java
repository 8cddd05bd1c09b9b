package io.vtdsim.emu.platform;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The machine's one event log: every observable act is emitted here with a sequence number and the
 * simulated time; counters, traces and diagrams are views fed by {@link #subscribe subscribers}.
 * Retention is bounded ({@link #retaining}) so long scenarios do not keep millions of events alive;
 * subscribers still see every event.
 */
public final class EventLog {
  /** Retain every event. */
  public static final int UNBOUNDED = Integer.MAX_VALUE;

  private final Clock clock;
  private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
  private final ArrayDeque<Event> retained = new ArrayDeque<>();
  private volatile int retainLimit;
  private long seq;

  public EventLog(Clock clock) {
    this(clock, UNBOUNDED);
  }

  public EventLog(Clock clock, int retainLimit) {
    this.clock = clock;
    this.retainLimit = retainLimit;
  }

  public Clock clock() {
    return clock;
  }

  /** Keep at most the last {@code limit} events in memory (0 keeps none). */
  public synchronized EventLog retaining(int limit) {
    if (limit < 0) throw new IllegalArgumentException("negative retention limit");
    retainLimit = limit;
    while (retained.size() > limit) retained.pollFirst();
    return this;
  }

  public void subscribe(Consumer<Event> subscriber) {
    subscribers.add(subscriber);
  }

  public void unsubscribe(Consumer<Event> subscriber) {
    subscribers.remove(subscriber);
  }

  public Event emit(String kind, String source, String detail) {
    return emit(kind, source, detail, Attrs.of());
  }

  public Event emit(String kind, String source, String detail, Map<String, Object> attrs) {
    Event e;
    synchronized (this) {
      e = new Event(++seq, clock.nanos(), kind, source, detail, Attrs.copyOf(attrs));
      if (retainLimit > 0) {
        if (retained.size() >= retainLimit) retained.pollFirst();
        retained.addLast(e);
      }
      // subscribers run under the lock so every subscriber sees events in sequence order
      for (Consumer<Event> s : subscribers) s.accept(e);
    }
    return e;
  }

  /** The sequence number of the last emitted event (0 before any). */
  public synchronized long lastSeq() {
    return seq;
  }

  /** Snapshot of the retained events, oldest first. */
  public synchronized List<Event> events() {
    return new ArrayList<>(retained);
  }

  /** Retained events with sequence numbers greater than {@code afterSeq}. */
  public synchronized List<Event> eventsSince(long afterSeq) {
    List<Event> out = new ArrayList<>();
    for (Event e : retained) {
      if (e.seq() > afterSeq) out.add(e);
    }
    return out;
  }

  /** Retained events of one kind. */
  public synchronized List<Event> eventsOfKind(String kind) {
    List<Event> out = new ArrayList<>();
    for (Event e : retained) {
      if (e.kind().equals(kind)) out.add(e);
    }
    return out;
  }
}
