package io.vtdsim.harness.qemu;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ending a process and everything it started, by PID, with bounded waits. */
final class Processes {
  private Processes() {}

  /** SIGKILL to {@code p} and its descendants; waits at most 2 s for each to go. */
  static void kill(ProcessHandle p) {
    List<ProcessHandle> all = new java.util.ArrayList<>(p.descendants().toList());
    all.add(0, p);
    all.forEach(ProcessHandle::destroyForcibly);
    awaitExit(all, 2000);
  }

  /** SIGTERM, up to {@code graceMillis} to exit, then SIGKILL (descendants too). */
  static void terminate(ProcessHandle p, long graceMillis) {
    List<ProcessHandle> all = new java.util.ArrayList<>(p.descendants().toList());
    all.add(0, p);
    all.forEach(ProcessHandle::destroy);
    if (!awaitExit(all, graceMillis)) {
      all.forEach(ProcessHandle::destroyForcibly);
      awaitExit(all, 2000);
    }
  }

  private static boolean awaitExit(List<ProcessHandle> all, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (ProcessHandle h : all) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return all.stream().noneMatch(ProcessHandle::isAlive);
      try {
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        // the handle could not be waited for; isAlive below decides
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return all.stream().noneMatch(ProcessHandle::isAlive);
  }
}
