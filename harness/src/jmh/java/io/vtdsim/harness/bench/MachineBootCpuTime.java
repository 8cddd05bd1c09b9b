package io.vtdsim.harness.bench;

import java.lang.management.ManagementFactory;

/**
 * {@link MachineBootBenchmark#buildAndBoot} timed as this thread's CPU time, with the bytes allocated
 * per machine — for a shared machine where other processes take most of the wall clock. Six rounds
 * of 2,000 machines; the first two include the JIT's warm-up.
 *
 * <pre>
 * java -cp harness/target/benchmarks.jar io.vtdsim.harness.bench.MachineBootCpuTime
 * </pre>
 */
public final class MachineBootCpuTime {
  private MachineBootCpuTime() {}

  public static void main(String[] args) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    MachineBootBenchmark b = new MachineBootBenchmark();
    long sink = 0;
    for (int round = 0; round < 6; round++) {
      int machines = 2000;
      long a0 = mx.getThreadAllocatedBytes(tid);
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < machines; i++) sink += b.buildAndBoot();
      long c1 = mx.getCurrentThreadCpuTime();
      long a1 = mx.getThreadAllocatedBytes(tid);
      System.out.printf("round %d: build + boot %.1f µs (CPU time), %.0f B allocated per machine%n", round,
          (c1 - c0) / (machines * 1000.0), (a1 - a0) / (double) machines);
    }
    if (sink == 42) System.out.println();
  }
}
