package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Impossible scenario values are invalid input: exit 2 with {@code file:line: key: problem} on stderr
 * before anything runs (docs/scenarios.md), not a run that ends in "error" (exit 1). Layouts as in
 * ScenarioValidatorTest: 1 GiB of RAM puts the driver's table pool at [0x3c000000, 0x40000000).
 */
class ImpossibleScenarioCliTest {
  @TempDir
  Path dir;

  private final CliRun cli = new CliRun();

  private Path file(String ram, String step) throws Exception {
    Path f = dir.resolve("impossible.yaml");
    Files.writeString(f, "name: impossible\n"
        + "machine: { ram: " + ram + " }\n"
        + "devices: [{ id: nic, bdf: \"00:03.0\", kind: assigned }]\n"
        + "steps:\n"
        + "  - boot\n"
        + "  - attach: { device: nic, domain: d1 }\n"
        + "  " + step + "\n");
    return f;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # what                   | ram   | step                                                                       | where
      RAM of one page          | 4KiB  | - dma-map: { device: nic, gpa: 0x0, size: 4KiB }                           | 2: machine.ram: 4KiB is too small
      map.gpa not RAM          | 64MiB | - map: { domain: d1, iova: 0x100000, gpa: 0x80000000, size: 4KiB }         | 7: map.gpa: GPA range [0x80000000, +4KiB) is not guest RAM
      map.gpa in the pool      | 1GiB  | - map: { domain: d1, iova: 0x100000, gpa: 0x3f000000, size: 4KiB }         | 7: map.gpa: GPA range [0x3f000000, +4KiB) overlaps the driver's table pool [0x3c000000, 0x40000000)
      dma-map.gpa in the pool  | 1GiB  | - dma-map: { device: nic, gpa: 0x3c000000, size: 8KiB }                    | 7: dma-map.gpa: GPA range [0x3c000000, +8KiB) overlaps the driver's table pool
      map.iova beyond 2^48     | 1GiB  | - map: { domain: d1, iova: 0x1000000000000, gpa: 0x2000000, size: 4KiB }   | 7: map.iova: IOVA range [0x1000000000000, +4KiB) reaches beyond the 48-bit address width
      map.size 0               | 1GiB  | - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 0 }             | 7: map.size: must be greater than 0
      dma-map.size 0           | 1GiB  | - dma-map: { device: nic, gpa: 0x2000000, size: 0 }                        | 7: dma-map.size: must be greater than 0
      """)
  void runAndExplainExitTwoNamingFileLineAndKey(String what, String ram, String step, String where) throws Exception {
    Path f = file(ram, step);
    assertThat(cli.run("run", f.toString())).as(what).isEqualTo(2);
    assertThat(cli.err()).startsWith(f + ":" + where);
    assertThat(cli.out()).as("nothing ran").isEmpty();
    assertThat(cli.run("explain", f.toString())).isEqualTo(2);
    assertThat(cli.err()).startsWith(f + ":" + where);
  }

  @Test
  void aSetThatMakesAMapImpossibleExitsTwoNamingTheStepAndTheSet() throws Exception {
    // 2^39 = 0x8000000000: possible with the default 48 bits, not with 39
    Path f = file("1GiB", "- map: { domain: d1, iova: 0x8000000000, gpa: 0x2000000, size: 4KiB }");
    assertThat(cli.run("run", f.toString())).isZero();
    assertThat(cli.run("run", f.toString(), "--set", "machine.aw-bits=39")).isEqualTo(2);
    assertThat(cli.err().trim()).isEqualTo(f + ":7: map.iova: IOVA range [0x8000000000, +4KiB) reaches beyond"
        + " the 39-bit address width (machine.aw-bits 39): IOVAs must stay below 0x8000000000"
        + " (after --set machine.aw-bits=39)");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void aSetMachineKeyThatIsImpossibleIsReportedAgainstTheSet() {
    assertThat(cli.run("run", "--builtin", "map-unmap-4k", "--set", "machine.ram=4KiB")).isEqualTo(2);
    assertThat(cli.err()).startsWith("--set: machine.ram: 4KiB is too small");
    assertThat(cli.run("matrix", "--set", "machine.ram=4KiB")).isEqualTo(2);
  }
}
