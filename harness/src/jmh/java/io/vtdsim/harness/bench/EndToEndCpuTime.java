package io.vtdsim.harness.bench;

import java.lang.management.ManagementFactory;

/**
 * {@link EndToEndMapBenchmark}'s pair and floor timed as this thread's CPU time rather than wall
 * time, for a shared machine where other processes take most of the wall clock, with the bytes the
 * thread allocated per pair. Six rounds; the first two include the JIT's warm-up.
 *
 * <pre>
 * java -cp harness/target/benchmarks.jar io.vtdsim.harness.bench.EndToEndCpuTime off 0
 * java -cp harness/target/benchmarks.jar io.vtdsim.harness.bench.EndToEndCpuTime trace 1048576
 * </pre>
 */
public final class EndToEndCpuTime {
  private EndToEndCpuTime() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: EndToEndCpuTime off|trace LIVE_MAPPINGS");
      System.exit(2);
    }
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    EndToEndMapBenchmark.Machine m = new EndToEndMapBenchmark.Machine();
    m.events = args[0];
    m.live = Integer.parseInt(args[1]);
    m.setUp();
    EndToEndMapBenchmark b = new EndToEndMapBenchmark();
    EndToEndMapBenchmark.Floor f = new EndToEndMapBenchmark.Floor();
    f.setUp();
    long sink = 0;
    for (int round = 0; round < 6; round++) {
      long pairs = 50_000;
      long floors = 10_000_000;
      long a0 = mx.getThreadAllocatedBytes(tid);
      long c0 = mx.getCurrentThreadCpuTime();
      for (long i = 0; i < pairs; i++) sink += b.mapUnmap4k(m);
      long c1 = mx.getCurrentThreadCpuTime();
      long a1 = mx.getThreadAllocatedBytes(tid);
      for (long i = 0; i < floors; i++) sink += b.floor(f);
      long c2 = mx.getCurrentThreadCpuTime();
      double pair = (c1 - c0) / (double) pairs;
      double floor = (c2 - c1) / (double) floors;
      System.out.printf("round %d: pair %.0f ns, floor %.1f ns (CPU time), pair/floor %.0f, %.1f B allocated per pair%n",
          round, pair, floor, pair / floor, (a1 - a0) / (double) pairs);
    }
    m.tearDown();
    if (sink == 42) System.out.println();
  }
}
