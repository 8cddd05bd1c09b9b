package io.vtdsim.emu.platform;

import java.util.PriorityQueue;

/**
 * Simulated time in nanoseconds. Time moves only when someone calls {@link #advance}; timers fire
 * during the advance, in deadline order (ties in scheduling order), with the clock set to their
 * deadline. Deterministic by construction.
 */
public final class Clock {
  /** A scheduled action; cancel it to keep it from firing. */
  public final class Timer implements Comparable<Timer> {
    private final long deadline;
    private final long order;
    private final Runnable action;
    private boolean cancelled;

    private Timer(long deadline, long order, Runnable action) {
      this.deadline = deadline;
      this.order = order;
      this.action = action;
    }

    public long deadline() {
      return deadline;
    }

    public void cancel() {
      synchronized (Clock.this) {
        cancelled = true;
        timers.remove(this);
      }
    }

    public boolean pending() {
      synchronized (Clock.this) {
        return !cancelled && timers.contains(this);
      }
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(deadline, o.deadline);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }

  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long now;
  private long nextOrder;

  public synchronized long nanos() {
    return now;
  }

  /** Schedules {@code action} at absolute time {@code deadlineNanos} (not before now). */
  public synchronized Timer scheduleAt(long deadlineNanos, Runnable action) {
    Timer t = new Timer(Math.max(deadlineNanos, now), nextOrder++, action);
    timers.add(t);
    return t;
  }

  public Timer scheduleIn(long delayNanos, Runnable action) {
    if (delayNanos < 0) throw new IllegalArgumentException("negative delay: " + delayNanos);
    synchronized (this) {
      return scheduleAt(now + delayNanos, action);
    }
  }

  /** Moves time forward by {@code nanos}, firing due timers in order. */
  public void advance(long nanos) {
    if (nanos < 0) throw new IllegalArgumentException("time can not go backwards: " + nanos);
    long target;
    synchronized (this) {
      target = now + nanos;
    }
    while (true) {
      Timer t;
      synchronized (this) {
        t = timers.peek();
        if (t == null || t.deadline > target) {
          now = target;
          return;
        }
        timers.poll();
        now = t.deadline;
      }
      t.action.run();
    }
  }
}
