package io.vtdsim.emu.vtd.qi;

import java.util.function.Consumer;

/**
 * The hardware thread of THREAD queue-processing mode: a
 * daemon that runs {@code drain} (which takes the unit's lock and processes the queue) after each
 * {@link #wake}. Wake-ups that arrive while it drains are coalesced into one more drain. A drain that
 * throws does not end the thread: the exception goes to {@code onFailure} (the unit turns it into a
 * queue error) and the thread waits for the next wake-up.
 */
public final class QueueWorker implements AutoCloseable {
  private final Runnable drain;
  private final Consumer<RuntimeException> onFailure;
  private final Thread thread;
  private boolean pending;
  private boolean stopped;

  /**
   * @param drain processes the queue (called on the hardware thread)
   * @param onFailure receives what a drain threw, on the hardware thread
   */
  public QueueWorker(String name, Runnable drain, Consumer<RuntimeException> onFailure) {
    if (drain == null || onFailure == null) throw new IllegalArgumentException("drain and onFailure are required");
    this.drain = drain;
    this.onFailure = onFailure;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Asks the hardware to look at the queue (an IQT write, or QI enabled with a non-empty queue). */
  public synchronized void wake() {
    pending = true;
    notifyAll();
  }

  /** Stops the thread and waits for it to end. */
  @Override
  public void close() {
    synchronized (this) {
      stopped = true;
      notifyAll();
    }
    if (Thread.currentThread() != thread) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public boolean running() {
    return thread.isAlive();
  }

  private void run() {
    while (true) {
      synchronized (this) {
        while (!pending && !stopped) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (stopped) return;
        pending = false;
      }
      try {
        drain.run();
      } catch (RuntimeException e) {
        report(e);
      }
    }
  }

  private void report(RuntimeException failure) {
    try {
      onFailure.accept(failure);
    } catch (RuntimeException ignored) {
      // the handler itself failed: the thread still stays alive for the next wake-up
    }
  }
}
