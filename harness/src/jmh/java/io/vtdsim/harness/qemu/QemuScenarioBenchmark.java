package io.vtdsim.harness.qemu;

import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One built-in scenario on real QEMU, as {@code run --builtin NAME --set machine.backend=qemu} does it
 * after the JVM is up: QEMU start to ready, every step with the oracle's check, the final check, QEMU
 * stopped and its files deleted. A run that does not meet its declared {@code qemu} outcome fails the
 * benchmark (the time would be of something else).
 *
 * <pre>
 * mvn -B -q -P bench -pl harness -am package -DskipTests
 * java -jar harness/target/benchmarks.jar QemuScenarioBenchmark -f 1 -wi 2 -i 5
 * </pre>
 */
@State(Scope.Thread)
public class QemuScenarioBenchmark {
  @Param({"map-unmap-4k", "psi-to-dsi-fallback", "domain-switch"})
  public String builtin;

  private Scenario scenario;

  @Setup
  public void load() {
    QemuInstallation.locate(); // the probe (qemu -version, -device help) is cached: not part of a run
    scenario = Overrides.apply(BuiltinScenarios.load(builtin), List.of("machine.backend=qemu"));
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public ScenarioResult run() {
    ScenarioResult r = new ScenarioRunner().run(scenario);
    if (!r.met()) throw new IllegalStateException(builtin + " on QEMU: " + r.outcome() + " " + r.violations() + " " + r.error());
    return r;
  }
}
