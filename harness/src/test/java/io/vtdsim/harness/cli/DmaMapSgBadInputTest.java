package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bad {@code dma-map-sg} (or a bad use of its handles) is exit 2 with {@code file:line: key: reason}.
 * With machine.ram 1GiB the driver's table pool is [0x3c000000, 0x40000000) (the top 64 MiB of low RAM).
 */
class DmaMapSgBadInputTest {
  @TempDir
  Path dir;

  private StringWriter err;

  private int run(Path f) {
    err = new StringWriter();
    return CliRun.execute(new StringWriter(), err, "run", f.toString());
  }

  /** The step under test starts on line 6. */
  private Path scenario(String machine, String steps) throws Exception {
    Path f = dir.resolve("x.yaml");
    Files.writeString(f, "machine: { " + machine + " }\n" + BadInputTest.DEVICE
        + "steps:\n  - boot\n  - attach: { device: nic, domain: d1 }\n  " + steps.replace("\\n", "\n") + "\n");
    return f;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      # case                      | steps                                                                                 | message start
      no segments key             | - dma-map-sg: { device: nic, as: l }                                                   | x.yaml:6: dma-map-sg.segments: missing
      an empty list               | - dma-map-sg: { device: nic, segments: [] }                                            | x.yaml:6: dma-map-sg.segments: empty (dma_map_sg needs at least one segment)
      a zero-length segment       | - dma-map-sg: { device: nic, segments: [ { gpa: 0x3000000, size: 4KiB }, { gpa: 0x3100000, size: 0 } ] } | x.yaml:6: dma-map-sg.segments.size: must be greater than 0
      a negative length           | - dma-map-sg:\\n      device: nic\\n      segments:\\n        - { gpa: 0x3000000, size: -4096 } | x.yaml:9: dma-map-sg.segments.size: not a size: '-4096'
      a segment of 4 GiB          | - dma-map-sg: { device: nic, segments: [ { gpa: 0x3000000, size: 4GiB } ] }             | x.yaml:6: dma-map-sg.segments.size: 4GiB at page offset 0x0 does not fit a scatterlist entry (its length is an unsigned int
      a segment key misspelt      | - dma-map-sg: { device: nic, segments: [ { gpa: 0x3000000, len: 4KiB } ] }              | x.yaml:6: dma-map-sg.segments.len: unknown key; expected one of: gpa, size
      a segment that is no map    | - dma-map-sg: { device: nic, segments: [ 0x3000000 ] }                                 | x.yaml:6: dma-map-sg.segments: expected a map (key: value), found '0x3000000'
      a boundary of 48 KiB        | - dma-map-sg: { device: nic, segment-boundary: 48KiB, segments: [ { gpa: 0x3000000, size: 4KiB } ] } | x.yaml:6: dma-map-sg.segment-boundary: must be a power of two of at least 4KiB
      a boundary of 2 KiB         | - dma-map-sg: { device: nic, segment-boundary: 2KiB, segments: [ { gpa: 0x3000000, size: 4KiB } ] } | x.yaml:6: dma-map-sg.segment-boundary: must be a power of two of at least 4KiB
      a max segment of 4 GiB      | - dma-map-sg: { device: nic, max-segment-size: 4GiB, segments: [ { gpa: 0x3000000, size: 4KiB } ] } | x.yaml:6: dma-map-sg.max-segment-size: at most 4GiB-1
      a segment outside RAM       | - dma-map-sg:\\n      device: nic\\n      segments:\\n        - { gpa: 0x3000000, size: 4KiB }\\n        - { gpa: 0x80000000, size: 4KiB } | x.yaml:10: dma-map-sg.segments.gpa: GPA range [0x80000000, +4KiB) is not guest RAM
      # segment 1 (60 KiB) would cross the 64 KiB boundary after segment 0's 8 KiB: pad 56 KiB after segment 0
      padding into the table pool | - dma-map-sg:\\n      device: nic\\n      segment-boundary: 64KiB\\n      segments:\\n        - { gpa: 0x3bffe000, size: 8KiB }\\n        - { gpa: 0x3000000, size: 60KiB } | x.yaml:10: dma-map-sg.segments.gpa: GPA range [0x3bffe000, +64KiB) overlaps the driver's table pool [0x3c000000, 0x40000000) at the top of low RAM; use guest RAM below 0x3c000000 (linux-6.12 maps 64KiB from this segment's first page: its pages and the padding to the next segment boundary, as dma-iommu.c does)
      unmapping one segment       | - dma-map-sg: { device: nic, as: l, segments: [ { gpa: 0x3000000, size: 4KiB }, { gpa: 0x3100000, size: 4KiB } ] }\\n  - dma-unmap: { handle: l.1 } | x.yaml:7: dma-unmap.handle: 'l.1' is a segment of the scatter list 'l'; dma_unmap_sg unmaps the whole list (handle: l)
      a list unmapped twice       | - dma-map-sg: { device: nic, as: l, segments: [ { gpa: 0x3000000, size: 4KiB } ] }\\n  - dma-unmap: { handle: l }\\n  - dma-unmap: { handle: l } | x.yaml:8: dma-unmap.handle: handle 'l' is already unmapped
      a handle named as a segment | - dma-map-sg: { device: nic, as: l, segments: [ { gpa: 0x3000000, size: 4KiB } ] }\\n  - dma-map: { device: nic, gpa: 0x3100000, size: 4KiB, as: l.0 } | x.yaml:7: dma-map.as: 'l.0' names segment 0 of the scatter list 'l'; choose another name
      a DMA at a segment not there | - dma-map-sg: { device: nic, as: l, segments: [ { gpa: 0x3000000, size: 4KiB } ] }\\n  - dma: { device: nic, at: l.1, op: read } | x.yaml:7: dma.at: unknown handle 'l.1'
      an unknown direction        | - dma-map-sg: { device: nic, dir: sideways, segments: [ { gpa: 0x3000000, size: 4KiB } ] } | x.yaml:6: dma-map-sg.dir:
      """)
  void aBadScatterListIsExitTwoWithFileLineKeyReason(String what, String steps, String message) throws Exception {
    Path f = scenario("ram: 1GiB", steps);
    assertThat(run(f)).as(what + ": " + err).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(err.toString()).as(what).startsWith(f + message.substring("x.yaml".length()));
    assertThat(err.toString()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void aListBeforeBootIsExitTwo() throws Exception {
    Path f = dir.resolve("x.yaml");
    Files.writeString(f, BadInputTest.DEVICE + "steps:\n  - dma-map-sg: { device: nic, segments: [ { gpa: 0x3000000, size: 4KiB } ] }\n  - boot\n");
    assertThat(run(f)).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(err.toString()).startsWith(f + ":3: dma-map-sg: comes before boot");
  }

  @Test
  void aListLargerThanTheAddressWidthIsExitTwo() throws Exception {
    // 129 segments of 4 GiB - 4 KiB (the longest a scatterlist entry holds): each would cross PCI's 4 GiB
    // segment boundary, so dma-iommu pads each of the first 128 to it: 128 x 4 GiB + 4 GiB - 4 KiB =
    // 541065212 KiB of IOVA space; 39 bits give 512 GiB. They may all name the same RAM: 8 GiB puts RAM
    // at [4 GiB, 10 GiB).
    StringBuilder steps = new StringBuilder("- dma-map-sg:\\n      device: nic\\n      segments:");
    for (int i = 0; i < 129; i++) steps.append("\\n        - { gpa: 0x100000000, size: 0xfffff000 }");
    Path f = scenario("ram: 8GiB, aw-bits: 39", steps.toString());
    assertThat(run(f)).isEqualTo(ExitCodes.INVALID_INPUT);
    assertThat(err.toString()).startsWith(f + ":6: dma-map-sg.segments: the list needs 541065212KiB of IOVA space;"
        + " the 39-bit address width (machine.aw-bits 39) has 512GiB");
  }
}
