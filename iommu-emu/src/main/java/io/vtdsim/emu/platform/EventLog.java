package io.vtdsim.emu.platform;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
  @SuppressWarnings("unchecked")
  private volatile Consumer<Event>[] subscribers = new Consumer[0];
  private volatile EventIntake[] intakes = new EventIntake[0];
  /** What {@link #intake()} returns: nothing, the one intake, or all of them in turn. */
  private volatile EventIntake intake = NO_INTAKE;
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

  public synchronized void subscribe(Consumer<Event> subscriber) {
    Consumer<Event>[] s = Arrays.copyOf(subscribers, subscribers.length + 1);
    s[s.length - 1] = subscriber;
    subscribers = s;
  }

  /**
   * Subscribes an intake: it sees every event as {@code subscribe} would, the frequent kinds as facts
   * ({@link EventIntake}), so that it alone makes the log {@link #enabled()} but not {@link #building()}.
   */
  public synchronized void subscribeIntake(EventIntake subscriber) {
    EventIntake[] s = Arrays.copyOf(intakes, intakes.length + 1);
    s[s.length - 1] = subscriber;
    intakes = s;
    intake = s.length == 1 ? s[0] : new Fanout(s);
  }

  public synchronized void unsubscribe(Consumer<Event> subscriber) {
    Consumer<Event>[] s = subscribers;
    for (int i = 0; i < s.length; i++) {
      if (s[i].equals(subscriber)) {
        Consumer<Event>[] t = Arrays.copyOf(s, s.length - 1);
        System.arraycopy(s, i + 1, t, i, s.length - i - 1);
        subscribers = t;
        return;
      }
    }
  }

  /**
   * Whether an event emitted now would be seen: something is retained or someone subscribed. Hot
   * emitters ask first and build nothing when nobody listens ({@code if (log.enabled()) log.emit(...)}).
   */
  public boolean enabled() {
    return retainLimit > 0 || subscribers.length > 0 || intakes.length > 0;
  }

  /**
   * Whether an emitted event would be kept or seen as an {@link Event}: something is retained or a
   * full subscriber listens. Emitters of the kinds {@link EventIntake} takes as facts ask this first,
   * and otherwise hand the facts to {@link #intake()}.
   */
  public boolean building() {
    return retainLimit > 0 || subscribers.length > 0;
  }

  /** The intakes' facts, for emitters when the log is not {@link #building()} (does nothing without intakes). */
  public EventIntake intake() {
    return intake;
  }

  public Event emit(String kind, String source, String detail) {
    return emit(kind, source, detail, Attrs.of());
  }

  /** An event of any kind by name (a {@link EventBody.Generic} body); attributes other than Attrs are sorted by key. */
  public Event emit(String kind, String source, String detail, Map<String, Object> attrs) {
    return emit(source, new EventBody.Generic(kind, detail, Attrs.copyOf(attrs)));
  }

  /** Emits {@code body} from {@code source}, numbered and timed now. */
  public Event emit(String source, EventBody body) {
    Event e;
    synchronized (this) {
      e = new Event(++seq, clock.nanos(), source, body);
      if (retainLimit > 0) {
        if (retained.size() >= retainLimit) retained.pollFirst();
        retained.addLast(e);
      }
      // subscribers run under the lock so every subscriber sees events in sequence order
      for (Consumer<Event> s : subscribers) s.accept(e);
      EventIntake[] in = intakes;
      if (in.length > 0 && !EventIntake.ignored(e)) {
        for (EventIntake i : in) EventIntake.deliver(i, e);
      }
    }
    return e;
  }

  private static final EventIntake NO_INTAKE = e -> {};

  /** Several intakes, each called in subscription order. */
  private record Fanout(EventIntake[] all) implements EventIntake {
    @Override
    public void event(Event e) {
      for (EventIntake i : all) i.event(e);
    }

    @Override
    public void mmioRead() {
      for (EventIntake i : all) i.mmioRead();
    }

    @Override
    public void mmioWrite() {
      for (EventIntake i : all) i.mmioWrite();
    }

    @Override
    public void descriptor(String desc) {
      for (EventIntake i : all) i.descriptor(desc);
    }

    @Override
    public void hostMap(String container, long iova, long size) {
      for (EventIntake i : all) i.hostMap(container, iova, size);
    }

    @Override
    public void hostUnmap(String container, long iova, long size) {
      for (EventIntake i : all) i.hostUnmap(container, iova, size);
    }

    @Override
    public void shadowNotify(long iova, long size) {
      for (EventIntake i : all) i.shadowNotify(iova, size);
    }

    @Override
    public void shadowWalk(long start, long end, long entries) {
      for (EventIntake i : all) i.shadowWalk(start, end, entries);
    }

    @Override
    public void dmaOk() {
      for (EventIntake i : all) i.dmaOk();
    }
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
