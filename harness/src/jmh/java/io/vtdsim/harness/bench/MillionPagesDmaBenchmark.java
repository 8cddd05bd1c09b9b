package io.vtdsim.harness.bench;

import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The size target (README "Benchmarks") through the DMA API: 1,048,576 {@code dma-map} steps of one 4 KiB buffer each
 * (a repeat of 16 buffers spread over 4 GiB of sparse guest RAM, superpages off), all left mapped, so
 * the IOVA allocator holds a million live ranges — below 4 GiB until that is full (less the MSI
 * window), then at the top of the 48-bit aperture; then a DMA at the last buffer. The oracle checks
 * incrementally after every step and fully at the end; the JVM has 512 MB of heap. Each operation is
 * one whole run (single shot); an OutOfMemoryError fails the benchmark.
 *
 * <p>{@code eventRetention} is the number of events the run keeps for its result (the trace); the
 * default is the runner's ({@link RunOptions#DEFAULT_EVENT_RETENTION}, what {@code vtdsim run} keeps),
 * which for a run this long is the largest single user of the heap. {@code -p eventRetention=0}
 * measures the machine and the oracle alone (counters and the oracle see every event either way).
 *
 * <pre>
 * java -jar harness/target/benchmarks.jar MillionPagesDmaBenchmark -f 1 -wi 0 -i 1
 * java -jar harness/target/benchmarks.jar MillionPagesDmaBenchmark -f 1 -wi 0 -i 1 -p eventRetention=0
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class MillionPagesDmaBenchmark {
  static final int BUFFERS = 16;
  static final int MAPS = 1 << 20;

  @Param({"iova-tree"})
  public String shadowSync;

  @Param({"" + RunOptions.DEFAULT_EVENT_RETENTION})
  public int eventRetention;

  static String scenario(String shadowSync) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < BUFFERS; i++) {
      long gpa = 0x1_0000_0000L + i * 0x1000_0000L; // 256 MiB apart across [4 GiB, 8 GiB)
      body.append(String.format("        - dma-map: { device: nic, gpa: 0x%x, size: 4KiB, dir: bidirectional%s }%n",
          gpa, i == BUFFERS - 1 ? ", as: last" : ""));
    }
    return """
        name: million-dma-pages
        machine: { ram: 6GiB, superpages: [], shadow-sync: %s, host-mapping-limit: 4194304 }
        devices: [ { id: nic, bdf: "00:03.0", kind: assigned } ]
        steps:
          - boot
          - repeat:
              times: %d
              steps:
        %s  - dma: { device: nic, at: last, op: write, len: 64, expect: ok }
        """.formatted(shadowSync, MAPS / BUFFERS, body);
  }

  @Benchmark
  public ScenarioResult millionDmaPages() {
    Scenario s = ScenarioLoader.parse(scenario(shadowSync), "million-dma-pages");
    ScenarioResult r = new ScenarioRunner().run(s, RunOptions.defaults().withEventRetention(eventRetention));
    if (!r.met()) throw new IllegalStateException("million-dma-pages did not pass: " + r.violations() + " " + r.error());
    return r;
  }
}
