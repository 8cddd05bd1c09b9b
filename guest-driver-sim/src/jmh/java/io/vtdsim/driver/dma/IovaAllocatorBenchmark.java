package io.vtdsim.driver.dma;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One allocate + free with a million live allocations of orders 0–3 in a 48-bit domain (MSI window
 * reserved), asked as the driver asks for a 64-bit mask: below 4 GiB first — full long before a million
 * pages — then below the aperture. {@code allocateFree}: pages 1 is the per-CPU cache path, 33 and 64
 * are tree allocations; {@code treeChurn}: a random live range goes back to the tree (its CPU's caches
 * are full) and one of the same size comes from the tree (a CPU whose caches stay empty).
 *
 * <pre>
 * java -jar guest-driver-sim/target/benchmarks.jar IovaAllocatorBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IovaAllocatorBenchmark {
  static final long BELOW_4G = 0xFFFFFL;
  static final long LIMIT = (1L << 36) - 1;
  static final int LIVE = 1 << 20;
  static final int FREEING_CPU = 1;
  static final int ALLOCATING_CPU = 2;

  /** A million live allocations, with the caches of {@link #FREEING_CPU} full. */
  @State(Scope.Thread)
  public abstract static class Domain {
    IovaAllocator allocator;
    long[] pfns;
    long[] sizes;
    Random random;

    @Setup(Level.Trial)
    public void fill() {
      // 5.11 rules: a bounded depot, so a CPU's frees overflow back to the tree
      allocator = new IovaAllocator(IovaRules.LINUX_5_11);
      allocator.reserve(0xFEE00L, 0xFEEFFL);
      random = new Random(1);
      pfns = new long[LIVE];
      sizes = new long[LIVE];
      for (int i = 0; i < LIVE; i++) {
        sizes[i] = 1L << random.nextInt(4);
        pfns[i] = allocate(sizes[i], ALLOCATING_CPU);
      }
      // fill FREEING_CPU's magazines and the depot with extra ranges, so its frees go back to the tree
      IovaRules rules = allocator.rules();
      for (int order = 0; order < IovaAllocator.CACHED_ORDERS; order++) {
        long[] extra = new long[(2 + rules.depotLimit()) * rules.magazineSize()];
        for (int i = 0; i < extra.length; i++) extra[i] = allocate(1L << order, ALLOCATING_CPU);
        for (long p : extra) allocator.free(p, FREEING_CPU);
      }
    }

    long allocate(long pages, int cpu) {
      long pfn = allocator.allocate(pages, BELOW_4G, cpu);
      if (pfn < 0) pfn = allocator.allocate(pages, LIMIT, cpu);
      if (pfn < 0) throw new IllegalStateException("IOVA space exhausted");
      return pfn;
    }
  }

  @State(Scope.Thread)
  public static class SizedRequest extends Domain {
    @Param({"1", "33", "64"})
    public long pages;
  }

  @State(Scope.Thread)
  public static class Churn extends Domain {}

  @Benchmark
  public long allocateFree(SizedRequest s) {
    long pfn = s.allocate(s.pages, 0);
    s.allocator.free(pfn, 0);
    return pfn;
  }

  @Benchmark
  public long treeChurn(Churn s) {
    int i = s.random.nextInt(LIVE);
    s.allocator.free(s.pfns[i], FREEING_CPU);
    long pfn = s.allocate(s.sizes[i], ALLOCATING_CPU);
    s.pfns[i] = pfn;
    return pfn;
  }
}
