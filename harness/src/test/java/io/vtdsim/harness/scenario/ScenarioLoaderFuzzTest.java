package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzz target (Jazzer) for scenario files: any bytes, read as the loader reads a
 * file. The loader either returns a scenario or throws a {@link ScenarioException} whose message
 * reads {@code file:line: key: reason} — nothing else, whatever the bytes. A scenario it accepts and
 * that executes few steps is also run (with a time limit): the runner returns a result, never
 * throws. The committed inputs ({@code ScenarioLoaderFuzzTestInputs/}, every built-in scenario and
 * example among them) are replayed by every {@code mvn verify}.
 */
class ScenarioLoaderFuzzTest {
  static final String SOURCE = "fuzz.yaml";
  /** Scenarios executing more steps are only loaded, not run (bounded work per input). */
  static final long MAX_STEPS_RUN = 64;
  static final RunOptions OPTIONS = RunOptions.defaults().withEventRetention(0).withTimeoutNanos(2_000_000_000L);

  @DictionaryEntries({"steps:", "- boot", "machine:", "driver:", "devices:", "expect:", "per-strategy:", "ram:",
      "aw-bits:", "superpages:", "shadow-sync:", "wait-bound:", "repeat:", "times:", "attach:", "detach:", "map:",
      "unmap:", "dma-map:", "dma-unmap:", "dma:", "advance:", "device:", "domain:", "iova:", "gpa:", "size:",
      "perm:", "len:", "as:", "at:", "handle:", "op: write", "expect: fault", "bdf: \"00:03.0\"", "id: nic",
      "kind: emulated", "outcome: violation", "violations:", "0x", "KiB", "MiB", "GiB", "TiB", "ms", "{ ", " }",
      "[ ", " ]", "&a ", "*a", "<<: ", "---", "!!binary", "\t", "\"", "'"})
  @FuzzTest(maxDuration = "10m")
  void anyBytes(byte[] input) {
    Scenario s;
    try {
      s = ScenarioLoader.parse(new String(input, StandardCharsets.UTF_8), SOURCE);
    } catch (ScenarioException e) {
      assertThat(e.getMessage()).startsWith(SOURCE);
      assertThat(e.getMessage()).matches("(?s)fuzz\\.yaml(:[1-9][0-9]*)?: .*: .+");
      return;
    }
    if (steps(s.steps()) > MAX_STEPS_RUN) return;
    ScenarioResult r = new ScenarioRunner().run(s, OPTIONS);
    assertThat(r.outcome()).isIn(ScenarioResult.PASS, ScenarioResult.VIOLATION, ScenarioResult.ERROR,
        ScenarioResult.TIMEOUT);
  }

  private static long steps(List<Step> steps) {
    long n = 0;
    for (Step step : steps) n += step instanceof Step.Repeat r ? (long) r.times() * steps(r.steps()) : 1;
    return n;
  }
}
