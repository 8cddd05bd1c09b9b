package io.vtdsim.emu.bench;

import java.lang.management.ManagementFactory;

/**
 * {@link ShadowSyncBenchmark#dsiFullSync} timed as this thread's CPU time, per mapped page, with the
 * bytes allocated per page — for a shared machine where other processes take most of the wall
 * clock. Five rounds of at least 20 million page visits; the first includes the JIT's warm-up.
 *
 * <pre>
 * java -Xmx2g -cp iommu-emu/target/benchmarks.jar io.vtdsim.emu.bench.ShadowSyncCpuTime 1048576 57
 * </pre>
 */
public final class ShadowSyncCpuTime {
  private ShadowSyncCpuTime() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: ShadowSyncCpuTime PAGES AW (AW 48 or 57)");
      System.exit(2);
    }
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    ShadowSyncBenchmark b = new ShadowSyncBenchmark();
    b.pages = Integer.parseInt(args[0]);
    b.aw = Integer.parseInt(args[1]);
    b.setUp();
    int syncs = Math.max(3, 20_000_000 / b.pages);
    long sink = 0;
    for (int round = 0; round < 5; round++) {
      long a0 = mx.getThreadAllocatedBytes(tid);
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < syncs; i++) sink += b.dsiFullSync();
      long c1 = mx.getCurrentThreadCpuTime();
      long a1 = mx.getThreadAllocatedBytes(tid);
      double perPage = (double) syncs * b.pages;
      System.out.printf("round %d: DSI full sync of %d pages, aw %d: %.1f ns per page (CPU time), %.3f B per page%n",
          round, b.pages, b.aw, (c1 - c0) / perPage, (a1 - a0) / perPage);
    }
    if (sink == 42) System.out.println();
  }
}
