package io.vtdsim.harness.bench;

import io.vtdsim.harness.testbed.TestBed;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * What a fresh scenario costs before its first step: build a TestBed with the scenario defaults
 * (qemu-7.2, 1 GiB, iova-tree, vfio-type1, linux-6.12) and one assigned device, and boot the driver
 * (init sequence, root table, queue, attach to the default domain), then close it.
 *
 * <pre>
 * java -jar harness/target/benchmarks.jar MachineBootBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class MachineBootBenchmark {
  @Benchmark
  public int buildAndBoot() {
    try (TestBed bed = TestBed.builder().assigned("nic", "00:03.0").build()) {
      bed.boot();
      return bed.deviceIds().size();
    }
  }
}
