package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end on the real machine (driver, VT-d unit, shadow, host, devices, oracle). */
class CliOnTheRealHarnessTest {
  /** One 4 KiB IOMMU-API mapping used by the device, then unmapped: the device must fault afterwards. */
  static final String TINY = """
      name: tiny-4k
      devices: [{ id: nic, bdf: "00:03.0", kind: assigned }]
      steps:
        - boot
        - attach: { device: nic, domain: d1 }
        - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 4KiB, perm: rw }
        - dma: { device: nic, iova: 0x100000, op: write, len: 64, expect: ok }
        - unmap: { domain: d1, iova: 0x100000, size: 4KiB }
        - dma: { device: nic, iova: 0x100000, op: write, len: 64, expect: fault }
      """;

  @TempDir
  Path dir;

  private final CliRun cli = new CliRun();

  private Path tiny() throws Exception {
    Path f = dir.resolve("tiny-4k.yaml");
    Files.writeString(f, TINY);
    return f;
  }

  @Test
  void aCorrectRunExitsZeroAndItsReportsShowTheProtocol() throws Exception {
    Path json = dir.resolve("r.json");
    Path trace = dir.resolve("t.txt");
    Path diagram = dir.resolve("d.md");
    // linux-6.1: the era of the real trace (linux-6.1-trace.md)
    assertThat(cli.run("run", tiny().toString(), "--set", "driver.preset=linux-6.1", "--json", json.toString(),
        "--trace", trace.toString(), "--diagram", diagram.toString())).as(cli.err()).isEqualTo(0);
    assertThat(cli.out()).startsWith("ok    tiny-4k: pass [ok] (expected pass)");

    JsonNode s = new ObjectMapper().readTree(Files.readString(json)).get("scenarios").get(0);
    assertThat(s.get("met").asBoolean()).isTrue();
    assertThat(s.get("violations")).isEmpty();
    // one good DMA, one fault after the unmap; under CM the map and the unmap each reach the host once
    assertThat(s.get("counters").get("dma-ok").asLong()).isEqualTo(1);
    assertThat(s.get("counters").get("dma-fault").asLong()).isEqualTo(1);
    assertThat(s.get("counters").get("host-errors").asLong()).isZero();
    // Linux 6.1 under CM strict: one PSI for the map and one for the unmap, each invalidation followed by its
    // own wait descriptor (linux-6.1-trace.md §4, checklist 3)
    JsonNode c = s.get("counters");
    assertThat(c.get("desc-iotlb-psi").asLong()).isEqualTo(2);
    long invalidations = 0;
    for (String k : List.of("desc-cc-global", "desc-cc-domain", "desc-cc-device", "desc-iotlb-global",
        "desc-iotlb-dsi", "desc-iotlb-psi")) {
      invalidations += c.get(k).asLong();
    }
    assertThat(c.get("desc-wait").asLong()).isEqualTo(invalidations);

    String t = Files.readString(trace);
    assertThat(t).startsWith("# tiny-4k\n")
        .contains("== step 0: boot")
        .contains("MMIO write32 GCMD = ")
        .contains("== step 2: map d1 iova 0x100000 -> gpa 0x2000000 size 4KiB rw")
        // a 4 KiB flush is page-selective with AM 0 (VT-d 6.5.2.3; Linux flushes maps under CM)
        .containsPattern("iotlb-psi: IOTLB PSI DID=\\d+ ADDR=0x100000 AM=0")
        .contains("notify 00:03.0 MAP iova 0x100000 size 4KiB -> gpa 0x2000000 rw")
        .contains("host map nic iova 0x100000 size 4KiB -> gpa 0x2000000 rw")
        .contains("DMA nic write 64 B at iova 0x100000 ok")
        .contains("host unmap nic iova 0x100000 size 4KiB")
        .contains("DMA nic write at iova 0x100000 FAULT");

    String d = Files.readString(diagram);
    assertThat(d).contains("```mermaid\nsequenceDiagram\n")
        .contains("Driver->>VT-d: write32 GCMD")
        .contains("Shadow->>Host: host map nic iova 0x100000 size 4KiB → gpa 0x2000000 rw")
        .contains("Device->>Host: DMA nic write 64 B at iova 0x100000 ok")
        .contains("Device-xHost: DMA nic write at iova 0x100000 FAULT");
  }

  @Test
  void explainTellsEachStepWithItsVerdict() throws Exception {
    assertThat(cli.run("explain", tiny().toString())).isEqualTo(0);
    String text = cli.out();
    assertThat(text).startsWith("Scenario tiny-4k\n")
        .contains("Step 2: map d1 iova 0x100000 -> gpa 0x2000000 size 4KiB rw\n")
        .contains("Step 5: dma nic write 64 B at 0x100000 expect fault\n")
        .endsWith("Result: pass, expected pass — as expected\n");
    String step2 = text.substring(text.indexOf("Step 2:"), text.indexOf("Step 3:"));
    assertThat(step2).contains("driver  call ").contains("mmio    MMIO write32 IQT")
        .containsPattern("vt-d    QI\\[\\d+\\] iotlb-psi: IOTLB PSI")
        .contains("shadow  notify 00:03.0 MAP iova 0x100000")
        .contains("host    host map nic iova 0x100000")
        .contains("oracle: ok");
  }

  @Test
  void psiOnlyIgnoresTheDsiFallbackAsTheScenarioDeclaresAndExitsZero() {
    // the seed thread's concern: psi-only ignores the DSI (AM 19 > MAMV 18) → stale-mapping + unexpected-success
    assertThat(cli.run("run", "--builtin", "psi-to-dsi-fallback", "--set", "machine.shadow-sync=psi-only")).isEqualTo(0);
    assertThat(cli.out()).startsWith("ok    psi-to-dsi-fallback: violation [STALE+NOFAULT] "
        + "(expected violation [stale-mapping, unexpected-success])");
    // demanding pass on the command line makes the same run fail
    assertThat(cli.run("run", "--builtin", "psi-to-dsi-fallback", "--set", "machine.shadow-sync=psi-only",
        "--set", "expect.outcome=pass")).isEqualTo(1);
    assertThat(cli.out()).startsWith("FAIL  psi-to-dsi-fallback: violation [STALE+NOFAULT] (expected pass)");
  }

  @Test
  void listAndDemoCoverEveryBuiltin() {
    assertThat(cli.run("list")).isEqualTo(0);
    // a name, then its description wrapped to 100 columns on indented lines
    assertThat(cli.out().lines().filter(l -> !l.startsWith(" ")).map(l -> l.split(" ")[0]).toList())
        .isEqualTo(BuiltinScenarios.names());
    assertThat(cli.out().lines()).allMatch(l -> l.length() <= 100);
    // whole descriptions: the last sentence of one is there too
    assertThat(String.join(" ", cli.out().split("\\s+"))).contains("iova-tree → pass (DSI = full re-sync).");
    assertThat(cli.run("show", "psi-to-dsi-fallback")).isEqualTo(0);
    assertThat(cli.out()).isEqualTo(BuiltinScenarios.text("psi-to-dsi-fallback"));
    assertThat(cli.run("show", "no-such")).isEqualTo(2);
    assertThat(cli.err()).startsWith("show: no-such: unknown built-in scenario; known: map-unmap-4k,");
    assertThat(cli.run("demo")).isEqualTo(0);
    String demo = cli.out();
    // the demo's rows are the shadowing built-ins; the scalable-mode ones compare shadowing with nesting
    for (String n : BuiltinScenarios.shadowingNames()) assertThat(demo).contains(n);
    assertThat(demo).doesNotContain("first-stage-nested");
    assertThat(demo).contains("psi-only", "unmap-all-replay", "iova-tree", "How to read it:")
        .contains("39 runs:").contains("39 as declared, 0 not");
    String pivot = demo.substring(0, demo.indexOf("Cost per run"));
    assertThat(pivot).doesNotContain("*");
  }
}
