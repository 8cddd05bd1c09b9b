package io.vtdsim.harness.testbed;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The guest CPUs that call the driver. One vCPU is the caller's thread; with more, each call runs on
 * the next vCPU thread in turn while the caller waits (so a run stays sequential and deterministic,
 * but the driver sees the CPU that called: Linux's per-CPU IOVA caches, iova.c rcache).
 *
 * <p>Interrupt messages are queued, never delivered into the middle of a call: the vCPU that made a
 * call takes the ones raised during it right after it ({@link #interrupts}), as a CPU takes an
 * interrupt at an instruction boundary with the driver's locks released. So the unit's fault event
 * never re-enters the driver while it holds its lock (Linux's qi_submit_sync runs with interrupts off).
 */
final class Vcpus implements AutoCloseable {
  /** An MSI: address and data. */
  record Message(long address, int data) {}

  private final ExecutorService[] cpus;
  private final ConcurrentLinkedQueue<Message> pending = new ConcurrentLinkedQueue<>();
  private final Interrupts handler;
  private int next;

  /** Takes a queued interrupt on the current vCPU. */
  interface Interrupts {
    void take(long address, int data);
  }

  Vcpus(int count, Interrupts handler) {
    if (count < 1) throw new IllegalArgumentException("at least one vCPU: " + count);
    this.handler = handler;
    if (count == 1) {
      cpus = null;
    } else {
      cpus = new ExecutorService[count];
      for (int i = 0; i < count; i++) {
        String name = "vcpu-" + i;
        cpus[i] = Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
      }
    }
  }

  int count() {
    return cpus == null ? 1 : cpus.length;
  }

  /** Queues a message (any thread: the unit's, a device's, QEMU's). */
  void post(long address, int data) {
    pending.add(new Message(address, data));
  }

  /** Runs {@code call} on the next vCPU, then that vCPU takes the interrupts queued meanwhile. */
  <T> T run(Supplier<T> call) {
    if (cpus == null) return withInterrupts(call);
    Future<T> f = cpus[next].submit(() -> withInterrupts(call));
    next = (next + 1) % cpus.length;
    try {
      return f.get(); // the driver's own waits are bounded (driver.wait-bound)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new IllegalStateException("interrupted while a vCPU ran a driver call", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) throw r;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    }
  }

  void run(Runnable call) {
    run(() -> {
      call.run();
      return null;
    });
  }

  /** The queued interrupts, taken now by the next vCPU (after a device's DMA). */
  void interrupts() {
    if (!pending.isEmpty()) run(() -> {});
  }

  private <T> T withInterrupts(Supplier<T> call) {
    try {
      return call.get();
    } finally {
      for (Message m; (m = pending.poll()) != null; ) handler.take(m.address(), m.data());
    }
  }

  @Override
  public void close() {
    if (cpus != null) for (ExecutorService e : cpus) e.shutdownNow();
  }
}
