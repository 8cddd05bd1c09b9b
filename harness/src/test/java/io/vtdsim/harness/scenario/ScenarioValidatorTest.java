package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Impossible scenario values are errors naming file, line and key (docs/scenarios.md). The expected layouts
 * are written out from the rules, not taken from the code: q35 keeps RAM up to 2 GiB below the 32-bit
 * PCI hole and relocates the rest to 4 GiB (QEMU's q35 below-4G limit); the TestBed gives the driver
 * the top quarter of low RAM, at most 64 MiB, for its tables — [0x3c000000, 0x40000000) with 1 GiB,
 * [0x3000000, 0x4000000) with 64 MiB, [0x7c000000, 0x80000000) with 3 GiB.
 */
class ScenarioValidatorTest {
  /** Lines 1-6; a test's step (a list item, "- ...") is on line 7. */
  static String scenario(String ram, String step) {
    return "name: v\n"
        + "machine: { ram: " + ram + ", aw-bits: 48 }\n"
        + "devices: [{ id: nic, bdf: \"00:03.0\", kind: assigned }]\n"
        + "steps:\n"
        + "  - boot\n"
        + "  - attach: { device: nic, domain: d1 }\n"
        + "  " + step + "\n";
  }

  static ScenarioException error(String yaml) {
    return catchThrowableOfType(() -> ScenarioLoader.parse(yaml, "v.yaml"), ScenarioException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # what                        | ram    | step                                                                          | line | key          | problem
      RAM too small                 | 4KiB   |   - advance: 1ms                                                              | 2    | machine.ram  | 4KiB is too small
      map gpa above RAM             | 64MiB  |   - map: { domain: d1, iova: 0x100000, gpa: 0x80000000, size: 4KiB }          | 7    | map.gpa      | not guest RAM
      map gpa runs past RAM's end   | 64MiB  |   - map: { domain: d1, iova: 0x100000, gpa: 0x2fff000, size: 32MiB }          | 7    | map.gpa      | not guest RAM
      map gpa in the PCI hole       | 3GiB   |   - map: { domain: d1, iova: 0x100000, gpa: 0x80000000, size: 4KiB }          | 7    | map.gpa      | not guest RAM
      dma-map gpa across the hole   | 3GiB   |   - dma-map: { device: nic, gpa: 0x7ffff800, size: 4KiB }                     | 7    | dma-map.gpa  | not guest RAM
      map gpa in the table pool     | 1GiB   |   - map: { domain: d1, iova: 0x100000, gpa: 0x3c000000, size: 4KiB }          | 7    | map.gpa      | table pool
      map gpa into the pool's start | 1GiB   |   - map: { domain: d1, iova: 0x100000, gpa: 0x3bfff000, size: 8KiB }          | 7    | map.gpa      | table pool
      dma-map gpa in the pool       | 64MiB  |   - dma-map: { device: nic, gpa: 0x3fff000, size: 16B }                       | 7    | dma-map.gpa  | table pool
      pool of split low RAM         | 3GiB   |   - dma-map: { device: nic, gpa: 0x7c000000, size: 4KiB }                     | 7    | dma-map.gpa  | table pool
      map iova at 2^48              | 1GiB   |   - map: { domain: d1, iova: 0x1000000000000, gpa: 0x2000000, size: 4KiB }    | 7    | map.iova     | beyond the 48-bit address width
      map iova range past 2^48      | 1GiB   |   - map: { domain: d1, iova: 0xfffffffff000, gpa: 0x2000000, size: 8KiB }     | 7    | map.iova     | beyond the 48-bit address width
      unmap iova past 2^48          | 1GiB   |   - unmap: { domain: d1, iova: 0xfffffffff000, size: 8KiB }                   | 7    | unmap.iova   | beyond the 48-bit address width
      map size 0                    | 1GiB   |   - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 0 }              | 7    | map.size     | greater than 0
      dma-map size 0                | 1GiB   |   - dma-map: { device: nic, gpa: 0x2000000, size: 0 }                         | 7    | dma-map.size | greater than 0
      inside a repeat               | 64MiB  | - repeat: { times: 2, steps: [\\n      { map: { domain: d1, iova: 0, gpa: 0x80000000, size: 4KiB } },\\n      { unmap: { domain: d1, iova: 0, size: 4KiB } } ] } | 8 | map.gpa | not guest RAM
      """)
  void impossibleValuesNameFileLineAndKey(String what, String ram, String step, int line, String key, String problem) {
    ScenarioException e = error(scenario(ram, step.replace("\\n", "\n")));
    assertThat(e).as(what).isNotNull();
    assertThat(e.file()).isEqualTo("v.yaml");
    assertThat(e.line()).isEqualTo(line);
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.problem()).contains(problem);
    assertThat(e.getMessage()).startsWith("v.yaml:" + line + ": " + key + ": ");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # what                          | ram    | step
      the smallest RAM                | 1MiB   |   - advance: 1ms
      RAM relocated above 4 GiB       | 3GiB   |   - map: { domain: d1, iova: 0x100000, gpa: 0x100000000, size: 1GiB }
      just below the 1 GiB pool       | 1GiB   |   - map: { domain: d1, iova: 0x100000, gpa: 0x3bfff000, size: 4KiB }
      just below the 64 MiB pool      | 64MiB  |   - dma-map: { device: nic, gpa: 0x2fff000, size: 4KiB }
      the last IOVA page under 2^48   | 1GiB   |   - map: { domain: d1, iova: 0xfffffffff000, gpa: 0x2000000, size: 4KiB }
      """)
  void possibleValuesAtTheEdgesLoad(String what, String ram, String step) {
    assertThat(ScenarioLoader.parse(scenario(ram, step), "v.yaml").steps()).as(what).isNotEmpty();
  }

  @Test
  void theRamKeyIsFoundInABlockStyleMachineToo() {
    ScenarioException e = error("""
        machine:
          preset: qemu-7.2
          ram: 64KiB
        steps: [ boot ]
        """);
    assertThat(e.getMessage()).isEqualTo("v.yaml:3: machine.ram: 64KiB is too small: the harness needs at least 1MiB"
        + " of guest RAM (the driver's tables come from a quarter of it)");
  }

  @Test
  void anOverrideThatMakesAStepImpossibleNamesTheFileTheStepAndTheSet() {
    Scenario s = ScenarioLoader.parse(scenario("1GiB",
        "- map: { domain: d1, iova: 0x8000000000, gpa: 0x2000000, size: 4KiB }"), "v.yaml");
    ScenarioException e = catchThrowableOfType(() -> Overrides.apply(s, List.of("machine.aw-bits=39")),
        ScenarioException.class);
    assertThat(e.getMessage()).startsWith("v.yaml:7: map.iova: IOVA range [0x8000000000, +4KiB) reaches beyond the"
        + " 39-bit address width").endsWith("(after --set machine.aw-bits=39)");
    // 64 MiB moves the pool to [0x3000000, 0x4000000), where this map's buffer is
    Scenario low = ScenarioLoader.parse(scenario("1GiB",
        "- map: { domain: d1, iova: 0x100000, gpa: 0x3000000, size: 4KiB }"), "v.yaml");
    assertThatThrownBy(() -> Overrides.apply(low, List.of("machine.shadow-sync=psi-only", "machine.ram=64MiB")))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("v.yaml:7: map.gpa: ")
        .hasMessageContaining("table pool")
        .hasMessageEndingWith("(after --set machine.shadow-sync=psi-only, --set machine.ram=64MiB)");
  }

  @Test
  void anOverriddenMachineKeyThatIsImpossibleIsReportedAgainstTheSet() {
    Scenario s = ScenarioLoader.parse(scenario("1GiB", "- advance: 1ms"), "v.yaml");
    assertThatThrownBy(() -> Overrides.apply(s, List.of("machine.ram=4KiB")))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("--set: machine.ram: 4KiB is too small")
        .hasMessageEndingWith("(after --set machine.ram=4KiB)");
    assertThat(Overrides.apply(s, List.of("machine.ram=1MiB")).machine().ramBytes()).isEqualTo(1L << 20);
  }

  @Test
  void scenariosBuiltInCodeAreCheckedToo() {
    Scenario s = new Scenario("code", "", MachineSpec.DEFAULTS, DriverSpec.DEFAULTS, List.of(),
        List.of(new Step.Boot(0), new Step.MapRange(0, "d1", 0x100000, 0x2000000, 0, Perm.RW)), Expect.PASSES, "code");
    assertThatThrownBy(() -> ScenarioValidator.validate(s)).isInstanceOf(ScenarioException.class)
        .hasMessage("code: map.size: must be greater than 0, got 0");
  }

  @Test
  void everyBuiltinIsPossible() {
    for (String n : BuiltinScenarios.names()) assertThat(ScenarioValidator.validate(BuiltinScenarios.load(n))).isNotNull();
  }
}
