package io.vtdsim.emu.vtd.qi;

/**
 * The hardware thread of THREAD queue-processing mode: a
 * daemon that runs {@code drain} (which takes the unit's lock and processes the queue) after each
 * {@link #wake}. Wake-ups that arrive while it drains are coalesced into one more drain.
 */
public final class QueueWorker implements AutoCloseable {
  private final Runnable drain;
  private final Thread thread;
  private boolean pending;
  private boolean stopped;

  public QueueWorker(String name, Runnable drain) {
    this.drain = drain;
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
      drain.run();
    }
  }
}
