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
 * The size target (README "Benchmarks"): a scenario mapping 1M 4 KiB pages (4 GiB of sparse guest RAM, superpages
 * off) through the IOMMU API, a DMA at its last page and the 4 GiB unmap, with the oracle, in a JVM
 * limited to 512 MB of heap. Each operation is one whole run (single shot); an OutOfMemoryError
 * fails the benchmark.
 *
 * <pre>
 * java -jar harness/target/benchmarks.jar MillionPagesBenchmark -f 1 -wi 1 -i 3
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class MillionPagesBenchmark {
  @Param({"iova-tree"})
  public String shadowSync;

  @Param({"false", "true"})
  public boolean fullCheckEveryStep;

  @Benchmark
  public ScenarioResult millionPages() {
    Scenario s = ScenarioLoader.parse("""
        name: million-pages
        machine: { ram: 6GiB, superpages: [], shadow-sync: %s, host-mapping-limit: 4194304 }
        devices: [ { id: nic, bdf: "00:03.0", kind: assigned } ]
        steps:
          - boot
          - attach: { device: nic, domain: d1 }
          - map: { domain: d1, iova: 0x100000000, gpa: 0x100000000, size: 4GiB, perm: rw }
          - dma: { device: nic, iova: 0x1fffff000, op: write, len: 64, expect: ok }
          - unmap: { domain: d1, iova: 0x100000000, size: 4GiB }
        """.formatted(shadowSync), "million-pages");
    ScenarioResult r = new ScenarioRunner().run(s, RunOptions.defaults().withFullCheckEveryStep(fullCheckEveryStep));
    if (!r.met()) throw new IllegalStateException("million-pages did not pass: " + r.violations() + " " + r.error());
    return r;
  }
}
