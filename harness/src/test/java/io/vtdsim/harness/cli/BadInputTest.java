package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every row of the table "Bad input and what vtdsim answers" (docs/scenarios.md), end to end through the CLI on the
 * real harness: the exit code and the first line on stderr ({@code file:line: key: reason}), never a
 * stack trace. The expected limits come from the address arithmetic (q35 puts RAM above 2 GiB from 4
 * GiB on, so with aw-bits 39 RAM may be at most 2^39 - 2 GiB) and the documented caps.
 */
class BadInputTest {
  @TempDir
  Path dir;

  private final CliRun cli = new CliRun();

  private Path file(String name, String yaml) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  static final String DEVICE = "devices: [{ id: nic, bdf: \"00:03.0\" }]\n";

  /** The scenario: {@code machine} on line 1, the device on line 2, steps from line 3, the step under test on 6. */
  static String scenario(String machine, String step) {
    return "machine: { " + machine + " }\n" + DEVICE + "steps:\n  - boot\n  - attach: { device: nic, domain: d1 }\n"
        + "  " + step.replace("\\n", "\n") + "\n";
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # case                               | machine               | step                                                                    | message start
      RAM just below 2^63                  | ram: 0x7ffffffffffff000 | - advance: 1ms                                                        | x.yaml:1: machine.ram: 9007199254740988KiB does not fit the 48-bit address width
      RAM of 1 EiB                         | ram: 0x1000000000000000 | - advance: 1ms                                                        | x.yaml:1: machine.ram: 1048576TiB does not fit the 48-bit address width
      RAM of 1 TiB with aw 39              | ram: 1024GiB, aw-bits: 39 | - advance: 1ms                                                      | x.yaml:1: machine.ram: 1TiB does not fit the 39-bit address width (machine.aw-bits 39): the q35 layout puts RAM above 2 GiB from 4 GiB on, so RAM may be at most 510GiB
      a number above 2^63                  | ram: 1GiB             | - map: { domain: d1, iova: 0xffffffffffffffff, gpa: 0x2000000, size: 4KiB } | x.yaml:6: map.iova: too large: '0xffffffffffffffff' (numbers must be below 2^63)
      a GPA above the address width        | ram: 1GiB, aw-bits: 39 | - map: { domain: d1, iova: 0x100000, gpa: 0x8000000000, size: 4KiB }   | x.yaml:6: map.gpa: GPA range [0x8000000000, +4KiB) is not guest RAM
      a GPA range that wraps past 2^63     | ram: 1GiB             | - dma-map: { device: nic, gpa: 0x7ffffffffffff000, size: 8KiB }          | x.yaml:6: dma-map.gpa: GPA range [0x7ffffffffffff000, +8KiB) is not guest RAM
      an IOVA range that wraps past 2^63   | ram: 1GiB             | - unmap: { domain: d1, iova: 0x7ffffffffffff000, size: 8KiB }            | x.yaml:6: unmap.iova: IOVA range [0x7ffffffffffff000, +8KiB) reaches beyond the 48-bit address width
      repeat 2^31 times                    | ram: 1GiB             | - repeat: { times: 2147483648, steps: [ { advance: 1ns } ] }            | x.yaml:6: repeat.times: must be between 1 and 2147483647, found 2147483648
      repeat 2^31 - 1 times                | ram: 1GiB             | - repeat: { times: 2147483647, steps: [ { advance: 1ns } ] }            | x.yaml:6: repeat.times: 2,147,483,647 steps with repeats unrolled; a run may execute at most 16,777,216
      repeats nested 1000 x 1000 x 1000    | ram: 1GiB             | - repeat: { times: 1000, steps: [ { repeat: { times: 1000, steps: [\\n      { repeat: { times: 1000, steps: [ { advance: 1ns } ] } } ] } } ] } | x.yaml:6: repeat.times: 1,000,000,000 steps with repeats unrolled
      two repeats under the cap, over it together | ram: 1GiB      | - repeat: { times: 16777215, steps: [ { advance: 1ns } ] }\\n  - repeat: { times: 16777215, steps: [ { advance: 1ns } ] } | x.yaml:3: steps: 33,554,432 steps with repeats unrolled
      repeats nested 9 deep                | ram: 1GiB             | - repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { repeat: { times: 1, steps: [ { advance: 1ns } ] } } ] } } ] } } ] } } ] } } ] } } ] } } ] } } ] } | x.yaml:6: repeat: repeats nested deeper than 8
      an overlapping map                   | ram: 1GiB             | - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 8KiB }\\n  - map: { domain: d1, iova: 0x101000, gpa: 0x3000000, size: 8KiB } | x.yaml:7: map.iova: IOVA range [0x101000, +8KiB) overlaps [0x100000, 0x102000) of domain d1, mapped at line 6 and not unmapped since
      a map that overlaps on the 2nd repeat | ram: 1GiB            | - repeat: { times: 2, steps: [ { map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 4KiB } } ] } | x.yaml:6: map.iova: IOVA range [0x100000, +4KiB) overlaps [0x100000, 0x101000) of domain d1, mapped at line 6
      a second boot                        | ram: 1GiB             | - boot                                                                  | x.yaml:6: boot: a second boot (the driver booted at line 4; a driver boots once)
      a boot inside a repeat               | ram: 1GiB             | - repeat: { times: 2, steps: [ boot ] }                                 | x.yaml:6: boot: a second boot (the driver booted at line 4
      a DMA of 2^30 bytes                  | ram: 2GiB             | - dma: { device: nic, iova: 0x100000, op: write, len: 1073741824 }       | x.yaml:6: dma.len: must be between 1 and 16777216, found 1073741824
      a driver wait bound of 0             | ram: 1GiB }\\ndriver: { wait-bound: 0 | - advance: 1ms                                                 | x.yaml:2: driver.wait-bound: must be between 1 and 100000000, found 0
      """)
  void aBadScenarioFileIsExitTwoWithFileLineKeyReason(String what, String machine, String step, String message)
      throws Exception {
    Path f = file("x.yaml", scenario(machine.replace("\\n", "\n"), step));
    assertThat(cli.run("run", f.toString())).as(what + ": " + cli.err()).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).as(what).startsWith(f + message.substring("x.yaml".length()));
    assertThat(cli.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void stepsBeforeBootAreExitTwoNamingTheStep() throws Exception {
    Path f = file("x.yaml", DEVICE + "steps:\n  - advance: 1ms\n  - attach: { device: nic, domain: d1 }\n  - boot\n");
    assertThat(cli.run("run", f.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith(f + ":4: attach: comes before boot");
  }

  @Test
  void anOverlapAfterAPartialUnmapIsStillAnOverlap() throws Exception {
    // unmapping the first page of an 8 KiB map leaves its second page mapped
    Path f = file("x.yaml", scenario("ram: 1GiB", "- map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 8KiB }"
        + "\\n  - unmap: { domain: d1, iova: 0x100000, size: 4KiB }"
        + "\\n  - map: { domain: d1, iova: 0x100000, gpa: 0x3000000, size: 4KiB }"
        + "\\n  - map: { domain: d1, iova: 0x101000, gpa: 0x3000000, size: 4KiB }"));
    assertThat(cli.run("run", f.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith(f + ":9: map.iova: IOVA range [0x101000, +4KiB) overlaps [0x101000, 0x102000)");
  }

  @Test
  void mappingAgainWhatWasUnmappedIsFine() throws Exception {
    Path f = file("x.yaml", scenario("ram: 1GiB", "- repeat: { times: 3, steps: ["
        + " { map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 8KiB } },"
        + " { unmap: { domain: d1, iova: 0x100000, size: 8KiB } } ] }"));
    assertThat(cli.run("run", f.toString())).as(cli.err()).isEqualTo(ExitCodes.MET);
  }

  @Test
  void theLargestRamTheAddressWidthHoldsLoads() throws Exception {
    // 2^39 - 2 GiB of RAM ends exactly at 2^39 in the q35 layout
    Path f = file("x.yaml", scenario("ram: 510GiB, aw-bits: 39", "- advance: 1ms"));
    assertThat(cli.run("run", f.toString())).as(cli.err()).isEqualTo(ExitCodes.MET);
    Path over = file("y.yaml", scenario("ram: 0x7f80001000, aw-bits: 39", "- advance: 1ms"));
    assertThat(cli.run("run", over.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
  }

  @Test
  void aFileOverFourMibIsRefusedBeforeParsing() throws Exception {
    // one 50 MB scalar: the parser would hold it whole
    Path f = dir.resolve("big.yaml");
    try (var w = Files.newBufferedWriter(f)) {
      w.write("name: \"");
      char[] chunk = new char[1 << 20];
      java.util.Arrays.fill(chunk, 'a');
      for (int i = 0; i < 50; i++) w.write(chunk);
      w.write("\"\nsteps: [ boot ]\n");
    }
    assertThat(cli.run("run", f.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith(f + ": file: 52,428,825 bytes is too large: a scenario may have at most"
        + " 4,194,304 bytes");
  }

  @Test
  void nestingTooDeepNamesTheLine() throws Exception {
    Path f = file("x.yaml", "name: deep\nsteps:\n  - boot\n  - " + "[".repeat(100) + "]".repeat(100) + "\n");
    assertThat(cli.run("run", f.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith(f + ":4: yaml: nested deeper than 64 maps and lists");
  }

  @Test
  void aRunPastItsTimeoutEndsAsTimeoutExitOne() {
    // the limit is checked before each step; building the machine alone takes longer than 1 ns
    assertThat(cli.run("run", "--builtin", "map-unmap-4k", "--timeout", "1ns")).isEqualTo(ExitCodes.NOT_MET);
    assertThat(cli.out()).startsWith("FAIL  map-unmap-4k: timeout [RUN-TIMEOUT] (expected pass)")
        .contains("timeout: the run took longer than 1ns; stopped before step 0 (boot)");
    assertThat(cli.run("run", "--builtin", "map-unmap-4k", "--timeout", "10min")).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith("--timeout: not a duration: '10min'");
    assertThat(cli.run("run", "--builtin", "map-unmap-4k", "--timeout", "0s")).isEqualTo(ExitCodes.INVALID_INPUT);
  }

  @Test
  void anOutputFileInAMissingDirectoryIsExitTwoBeforeAnythingRuns() {
    Path missing = dir.resolve("nonexistent/dir");
    for (String option : new String[] {"--json", "--trace", "--diagram"}) {
      Path target = missing.resolve("x.out");
      assertThat(cli.run("run", "--builtin", "map-unmap-4k", option, target.toString())).as(option)
          .isEqualTo(ExitCodes.INVALID_INPUT);
      assertThat(cli.err()).startsWith(option + " " + target + ": cannot write: directory " + missing
          + " does not exist");
      assertThat(cli.out()).as("nothing ran").isEmpty();
    }
    assertThat(cli.run("explore", "--runs", "1", "--out", missing.resolve("s.yaml").toString()))
        .isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith("--out " + missing.resolve("s.yaml") + ": cannot write: directory");
    assertThat(Files.exists(dir.resolve("nonexistent"))).as("no directory is created").isFalse();
    assertThat(cli.run("run", "--builtin", "map-unmap-4k", "--json", dir.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).contains("it is a directory");
  }

  @Test
  void explainTakesOneScenarioAsItsHelpSays() throws Exception {
    assertThat(cli.run("explain", "--help")).isEqualTo(0);
    assertThat(cli.out()).contains("(FILE | --builtin=NAME)");
    Path a = file("a.yaml", "steps: [ boot ]\n");
    Path b = file("b.yaml", "steps: [ boot ]\n");
    assertThat(cli.run("explain", a.toString(), b.toString())).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith("explain takes exactly one scenario (a FILE or --builtin NAME), got 2");
    assertThat(cli.run("explain", a.toString(), "--builtin", "map-unmap-4k")).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.run("explain", a.toString())).isEqualTo(ExitCodes.MET);
  }

  @Test
  void matrixBlamesTheOptionThatNamedTheScenario() {
    assertThat(cli.run("matrix", "--scenarios", "nosuch")).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(cli.err()).startsWith("--scenarios: nosuch: unknown built-in scenario; known: map-unmap-4k");
  }

  @Test
  void threadsMustBeAtLeastOne() {
    for (String n : new String[] {"0", "-1"}) {
      assertThat(cli.run("matrix", "--threads", n)).as(n).isEqualTo(ExitCodes.INVALID_INPUT);
      assertThat(cli.err()).startsWith("--threads must be at least 1, got " + n);
      assertThat(cli.run("demo", "--threads", n)).as(n).isEqualTo(ExitCodes.INVALID_INPUT);
    }
  }
}
