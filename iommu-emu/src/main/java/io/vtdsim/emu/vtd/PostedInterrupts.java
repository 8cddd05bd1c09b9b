package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.MsiSink;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The unit's interrupt messages, posted while it holds its lock and sent to the {@link MsiSink} only
 * after the lock is released (by the thread that leaves the unit last), so that the receiver — a
 * driver's handler, which reads the fault registers under its own lock — never runs inside the
 * unit's lock. Hardware does the same: the MSI is a posted memory write that the CPU takes at its
 * next instruction boundary. Without this, THREAD queue processing deadlocked: the hardware thread
 * (unit lock held) called the handler (wants the driver lock) while a vCPU (driver lock held) waited
 * for the unit lock to read ICS.
 */
final class PostedInterrupts implements MsiSink {
  private final MsiSink sink;
  private final ReentrantLock unitLock;
  private final ArrayDeque<long[]> posted = new ArrayDeque<>();
  /**
   * Messages in {@link #posted}: a leaving thread with nothing to send returns without a lock (the
   * thread that posts a message leaves the unit after it, and sends it then).
   */
  private volatile int pending;

  PostedInterrupts(MsiSink sink, ReentrantLock unitLock) {
    this.sink = sink;
    this.unitLock = unitLock;
  }

  /** Called under the unit's lock. */
  @Override
  public void deliver(long address, int data) {
    synchronized (posted) {
      posted.add(new long[] {address, data});
      pending++;
    }
  }

  /** Sends what was posted, unless this thread still holds the unit's lock (a nested access). */
  void sendPosted() {
    if (pending == 0 || unitLock.isHeldByCurrentThread()) return;
    while (true) {
      long[] m;
      synchronized (posted) {
        m = posted.poll();
        if (m != null) pending--;
      }
      if (m == null) return;
      sink.deliver(m[0], (int) m[1]);
    }
  }
}
