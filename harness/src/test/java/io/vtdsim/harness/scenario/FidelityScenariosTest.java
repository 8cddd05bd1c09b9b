package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.oracle.Violation;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Built-in scenarios under {@code --set machine.fidelity=qemu}: unflushed-map-4.10 is the guest QEMU
 * tolerates and strict catches (QEMU caches no not-present result, hw/i386/intel_iommu.c caches
 * successful translations only); every other built-in is about the shadow and the host, or sets
 * negative caching itself, and turns out as its file declares under both fidelities.
 */
class FidelityScenariosTest {
  static Stream<Arguments> qemuPresetsAndStrategies() {
    return Stream.of("qemu-7.2", "qemu-11.1")
        .flatMap(p -> Vocabulary.SHADOW_SYNCS.stream().map(s -> Arguments.of(p, s)));
  }

  static Stream<Arguments> otherBuiltinsUnderQemu() {
    // the scalable-mode built-ins need a preset with a scalable-mode unit: qemu-11.1 only
    return BuiltinScenarios.names().stream().filter(n -> !n.equals("unflushed-map-4.10"))
        .flatMap(n -> (BuiltinScenarios.shadowingNames().contains(n) ? Stream.of("qemu-7.2", "qemu-11.1")
            : Stream.of("qemu-11.1")).map(p -> Arguments.of(n, p)));
  }

  private static ScenarioResult run(String name, String... sets) {
    return new ScenarioRunner().run(Overrides.apply(BuiltinScenarios.load(name), List.of(sets)));
  }

  @ParameterizedTest(name = "{0} × {1}")
  @MethodSource("qemuPresetsAndStrategies")
  void strictCatchesTheUnflushedMapAndQemuToleratesIt(String preset, String strategy) {
    ScenarioResult strict = run("unflushed-map-4.10", "machine.preset=" + preset, "machine.shadow-sync=" + strategy);
    assertThat(strict.met()).isTrue();
    assertThat(strict.violationKinds()).containsExactly(Violation.Kind.UNEXPECTED_FAULT);

    ScenarioResult qemu = run("unflushed-map-4.10", "machine.preset=" + preset, "machine.shadow-sync=" + strategy,
        "machine.fidelity=qemu");
    assertThat(qemu.error()).isNull();
    assertThat(qemu.outcome()).as("%s", qemu.violations()).isEqualTo("pass");
    assertThat(qemu.met()).as("the file declares what strict finds").isFalse();
  }

  @ParameterizedTest(name = "{0} × {1}")
  @MethodSource("otherBuiltinsUnderQemu")
  void theOtherBuiltinsTurnOutAsDeclaredUnderQemuToo(String name, String preset) {
    ScenarioResult r = run(name, "machine.preset=" + preset, "machine.fidelity=qemu");
    assertThat(r.error()).isNull();
    assertThat(r.met()).as("%s: %s %s", name, r.outcome(), r.violationKinds()).isTrue();
  }
}
