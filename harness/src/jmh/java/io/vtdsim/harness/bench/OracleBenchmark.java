package io.vtdsim.harness.bench;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.testbed.TestBed;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * The oracle's per-step cost on an address space of {@code pages} 4 KiB mappings: the incremental
 * check after a one-page change (what every step pays by default) against a full comparison (the
 * --full-check option, and the end of every run).
 *
 * <pre>
 * mvn -B -q -P bench -pl harness -am package -DskipTests
 * java -jar harness/target/benchmarks.jar OracleBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OracleBenchmark {
  @Param({"65536"})
  public int pages;

  private TestBed bed;
  private long page;

  @Setup(Level.Trial)
  public void setUp() {
    // more than vfio's default dma_entry_limit of 65535 mappings: a host with the limit raised
    bed = TestBed.builder().ram(6L << 30).superpages().hostMappingLimit(1L << 22).assigned("nic", "00:03.0")
        .eventRetention(1000).build();
    bed.boot();
    bed.attach("nic", "d1");
    bed.map("d1", 0x100000000L, 0x100000000L, (long) pages << 12, true, true);
    if (!bed.check().isEmpty()) throw new IllegalStateException("setup is not exact");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    bed.close();
  }

  /** One page unmapped and mapped again (a PSI each), then the incremental check. */
  @Benchmark
  public List<Violation> incrementalCheckAfterOnePageChange() {
    long iova = 0x100000000L + ((page++ % pages) << 12);
    bed.unmap("d1", iova, 0x1000);
    bed.map("d1", iova, iova, 0x1000, true, true);
    return bed.checkIncremental();
  }

  /** The same change, then a full comparison of the whole address space. */
  @Benchmark
  public List<Violation> fullCheckAfterOnePageChange() {
    long iova = 0x100000000L + ((page++ % pages) << 12);
    bed.unmap("d1", iova, 0x1000);
    bed.map("d1", iova, iova, 0x1000, true, true);
    return bed.check();
  }
}
