package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.MsiSink;
import java.util.concurrent.ConcurrentLinkedQueue;
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
  /** Lock-free, so a leaving thread with nothing to send only reads its head. */
  private final ConcurrentLinkedQueue<long[]> posted = new ConcurrentLinkedQueue<>();

  PostedInterrupts(MsiSink sink, ReentrantLock unitLock) {
    this.sink = sink;
    this.unitLock = unitLock;
  }

  /** Called under the unit's lock. */
  @Override
  public void deliver(long address, int data) {
    posted.add(new long[] {address, data});
  }

  /** Sends what was posted, unless this thread still holds the unit's lock (a nested access). */
  void sendPosted() {
    if (posted.isEmpty() || unitLock.isHeldByCurrentThread()) return;
    for (long[] m; (m = posted.poll()) != null; ) sink.deliver(m[0], (int) m[1]);
  }
}
