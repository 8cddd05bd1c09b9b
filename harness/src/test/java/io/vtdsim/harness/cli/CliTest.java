package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.RunOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
  @TempDir
  Path dir;

  private FakeHarness harness;
  private StringWriter out;
  private StringWriter err;
  private Path tiny;

  @BeforeEach
  void setUp() throws Exception {
    harness = new FakeHarness();
    tiny = dir.resolve("tiny.yaml");
    Files.writeString(tiny, FakeHarness.TINY);
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cl = Main.commandLine(harness, harness);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void exitZeroWhenEveryScenarioMetItsExpect() {
    assertThat(run("run", tiny.toString())).isEqualTo(0);
    assertThat(out.toString()).startsWith("ok    tiny: pass [ok] (expected pass)");
    assertThat(out.toString()).contains("counters: mmio-reads 3, mmio-writes 2, desc-iotlb-psi 1, host-map 1, walk-entries 4");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void exitOneWhenAScenarioDidNotAndTheViolationIsPrinted() {
    assertThat(run("run", tiny.toString(), "--set", "machine.shadow-sync=psi-only")).isEqualTo(1);
    assertThat(out.toString())
        .contains("FAIL  tiny: violation [STALE] (expected pass)")
        .contains("stale-mapping at step 2 (unmap d1 iova 0x100000 size 2MiB): nic iova 0x100000 size 0x200000: host maps");
  }

  @Test
  void overridesReachTheRunner() {
    run("run", "--builtin", "tiny", "--set", "machine.shadow-sync=unmap-all-replay", "--set", "driver.preset=linux-4.10");
    assertThat(harness.ran).singleElement().satisfies(s -> {
      assertThat(s.machine().shadowSync().label()).isEqualTo("unmap-all-replay");
      assertThat(s.driver().preset()).isEqualTo("linux-4.10");
    });
  }

  @Test
  void runOptionsReachTheRunner() {
    run("run", tiny.toString());
    run("run", tiny.toString(), "--full-check", "--retain", "10");
    run("matrix", "--scenarios", "tiny", "--strategies", "iova-tree");
    assertThat(harness.options).containsExactly(
        RunOptions.defaults(),
        RunOptions.defaults().withFullCheckEveryStep(true).withEventRetention(10),
        RunOptions.defaults().withEventRetention(0));
    assertThat(run("run", tiny.toString(), "--retain", "-1")).isEqualTo(2);
  }

  @Test
  void aScenarioExpectingTheViolationItGetsMeetsIt() {
    assertThat(run("run", tiny.toString(), "--set", "machine.shadow-sync=psi-only", "--set",
        "expect.violations=stale-mapping")).isEqualTo(0);
  }

  @Test
  void exitTwoForAnInvalidFileWithFileLineKeyOnStderr() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "steps:\n  - boot\n  - map: { domain: d1, iova: 0x1001, gpa: 0, size: 4KiB }\n");
    assertThat(run("run", bad.toString())).isEqualTo(2);
    assertThat(err.toString().trim()).isEqualTo(bad + ":3: map.domain: unknown domain 'd1' (no earlier attach names it)");
    assertThat(harness.ran).isEmpty();
  }

  @Test
  void exitTwoForAMissingFileABadSetAnUnknownBuiltinOrNoScenario() {
    assertThat(run("run", dir.resolve("none.yaml").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("none.yaml: file: cannot read");
    assertThat(run("run", tiny.toString(), "--set", "machine.shadow-sync=sometimes")).isEqualTo(2);
    assertThat(err.toString()).startsWith("--set: machine.shadow-sync: unknown value 'sometimes'");
    assertThat(run("run", "--builtin", "nope")).isEqualTo(2);
    assertThat(err.toString()).startsWith("--builtin: nope: unknown built-in scenario; known: tiny, tiny-lazy");
    assertThat(run("run")).isEqualTo(2);
    assertThat(err.toString()).contains("no scenario given");
    assertThat(run("run", "--bogus", tiny.toString())).isEqualTo(2);
    assertThat(run()).isEqualTo(2);
    assertThat(harness.ran).isEmpty();
  }

  @Test
  void jsonHasTheIssueShape() throws Exception {
    Path json = dir.resolve("r.json");
    assertThat(run("run", tiny.toString(), "--builtin", "tiny", "--set", "machine.shadow-sync=psi-only",
        "--json", json.toString())).isEqualTo(1);
    JsonNode root = new ObjectMapper().readTree(Files.readString(json));
    assertThat(root.fieldNames()).toIterable().containsExactly("scenarios");
    JsonNode scenarios = root.get("scenarios");
    assertThat(scenarios).hasSize(2);
    JsonNode s = scenarios.get(0);
    // the issue's shape, plus staleWindows (lazy mode; empty here)
    assertThat(s.fieldNames()).toIterable().containsExactly("name", "outcome", "met", "violations", "counters",
        "staleWindows");
    assertThat(s.get("staleWindows").isArray()).isTrue();
    assertThat(s.get("staleWindows")).isEmpty();
    assertThat(s.get("name").asText()).isEqualTo("tiny");
    assertThat(s.get("outcome").asText()).isEqualTo("violation");
    assertThat(s.get("met").isBoolean()).isTrue();
    assertThat(s.get("met").asBoolean()).isFalse();
    JsonNode v = s.get("violations").get(0);
    assertThat(v.fieldNames()).toIterable().containsExactly("kind", "step", "device", "iova", "size", "detail");
    assertThat(v.get("kind").asText()).isEqualTo("stale-mapping");
    assertThat(v.get("step").asInt()).isEqualTo(2);
    assertThat(v.get("device").asText()).isEqualTo("nic");
    assertThat(v.get("iova").asText()).isEqualTo("0x100000");
    assertThat(v.get("size").asLong()).isEqualTo(0x200000);
    assertThat(s.get("counters").fieldNames()).toIterable().containsExactly("mmio-reads", "mmio-writes",
        "desc-cc-global", "desc-cc-domain", "desc-cc-device", "desc-iotlb-global", "desc-iotlb-dsi", "desc-iotlb-psi",
        "desc-wait", "host-map", "host-unmap", "host-errors", "walk-entries", "dma-ok", "dma-fault");
    assertThat(s.get("counters").get("walk-entries").asLong()).isEqualTo(4);
  }

  @Test
  void traceAndDiagramFiles() throws Exception {
    Path trace = dir.resolve("t.txt");
    Path diagram = dir.resolve("d.md");
    assertThat(run("run", tiny.toString(), "--trace", trace.toString(), "--diagram", diagram.toString())).isEqualTo(0);
    assertThat(Files.readString(trace)).startsWith("# tiny\n").contains("MMIO write32 GCMD = 0x80000000")
        .contains("QI[1] iotlb-psi: IOTLB PSI DID=1 ADDR=0x100000 AM=0");
    assertThat(Files.readString(diagram)).startsWith("# tiny\n\n```mermaid\nsequenceDiagram\n")
        .contains("Shadow->>Host: host map nic");
  }

  @Test
  void anUnwritableOutputIsInvalidInput() throws Exception {
    Path file = dir.resolve("f");
    Files.writeString(file, "x");
    assertThat(run("run", tiny.toString(), "--json", file.resolve("r.json").toString())).isEqualTo(2);
    assertThat(err.toString()).startsWith("--json ");
  }

  @Test
  void listPrintsOneLinePerBuiltin() {
    assertThat(run("list")).isEqualTo(0);
    assertThat(out.toString()).isEqualTo("tiny       summary of tiny\ntiny-lazy  summary of tiny-lazy\n".replace("\n", System.lineSeparator()));
  }

  @Test
  void explainGroupsEventsPerStepWithTheOraclesVerdict() {
    assertThat(run("explain", "--builtin", "tiny", "--set", "machine.shadow-sync=psi-only")).isEqualTo(1);
    String text = out.toString();
    assertThat(text).startsWith("Scenario tiny\n  one page mapped, one DMA\n")
        .contains("machine: qemu-7.2, aw-bits 48, RAM 1GiB; shadow psi-only, host vfio-type1")
        .contains("device:  nic at 00:03.0, assigned")
        .contains("Step 0: boot\n")
        .contains("mmio    MMIO write32 GCMD = 0x80000000")
        .contains("(same read 1 more time")
        .contains("Step 1: map d1 iova 0x100000 -> gpa 0x2000000 size 4KiB rw\n")
        .contains("vt-d    QI[1] iotlb-psi: IOTLB PSI DID=1 ADDR=0x100000 AM=0")
        .contains("shadow  walk nic")
        .contains("host    host map nic iova 0x100000 size 4KiB -> gpa 0x2000000 rw: ok")
        .contains("oracle: VIOLATION stale-mapping nic iova 0x100000 size 2MiB: host maps")
        .contains("Result: violation, expected pass — NOT as expected");
    // step 0 and 1 passed the check; step 2 carries the violation
    String step1 = text.substring(text.indexOf("Step 1:"), text.indexOf("Step 2:"));
    assertThat(step1).contains("oracle: ok");
  }

  @Test
  void explainTakesExactlyOneScenario() {
    assertThat(run("explain", "--builtin", "tiny", "--builtin", "tiny-lazy")).isEqualTo(2);
    assertThat(err.toString()).contains("exactly one scenario");
  }

  @Test
  void matrixRunsEveryCombinationInAFixedOrder() {
    assertThat(run("matrix", "--scenarios", "tiny," + tiny, "--strategies", "psi-only,iova-tree",
        "--drivers", "linux-4.10,linux-6.12", "--flush", "linux", "--threads", "2")).isEqualTo(0);
    assertThat(harness.ran).hasSize(2 * 2 * 2);
    String[] lines = out.toString().split("\\R");
    assertThat(lines[0]).startsWith("scenario").contains("strategy", "driver", "flush", "outcome", "as-expected",
        "mmio", "psi", "dsi", "global", "cc", "wait", "host-map", "host-unmap", "host-err", "walk");
    assertThat(lines[2]).startsWith("tiny").contains("psi-only", "linux-4.10", "STALE", "NO");
    assertThat(lines[3]).contains("psi-only", "linux-6.12", "STALE");
    assertThat(lines[4]).contains("iova-tree", "linux-4.10", " ok ", "yes");
    // mmio exits = reads + writes = 5
    assertThat(lines[4]).matches(".*yes\\s+5\\s+1\\s+0\\s+0\\s+0\\s+0\\s+1\\s+0\\s+0\\s+4");
    assertThat(out.toString()).contains("8 runs: 4 ok, 4 with violations or errors; 4 as declared, 4 not");
  }

  @Test
  void matrixCsvAndMarkdown() {
    assertThat(run("matrix", "--scenarios", "tiny", "--strategies", "psi-only", "--csv")).isEqualTo(0);
    assertThat(out.toString().split("\\R")).containsExactly(
        "scenario,strategy,driver,flush,dma-mode,host,mamv,file,outcome,met,violations,mmio-reads,mmio-writes,"
            + "desc-cc-global,desc-cc-domain,desc-cc-device,desc-iotlb-global,desc-iotlb-dsi,desc-iotlb-psi,desc-wait,"
            + "host-map,host-unmap,host-errors,walk-entries,dma-ok,dma-fault",
        // qemu-7.2 reports MAMV 18 (CAP 0x00d2008c22260286, bits 53:48)
        "tiny,psi-only,linux-6.12,linux,strict,vfio-type1,18,builtin:tiny,STALE,false,stale-mapping,3,2,0,0,0,0,0,1,0,1,0,0,4,0,0");
    assertThat(run("matrix", "--scenarios", "tiny", "--strategies", "iova-tree", "--markdown")).isEqualTo(0);
    assertThat(out.toString()).startsWith("| scenario | strategy |").contains("|---|").contains("| tiny | iova-tree | linux-6.12 | linux | ok | yes | 5 |");
    assertThat(run("matrix", "--csv", "--markdown")).isEqualTo(2);
    assertThat(run("matrix", "--strategies", "lazy-tree")).isEqualTo(2);
    assertThat(err.toString()).startsWith("--strategies: lazy-tree: unknown value; expected one of: psi-only");
  }

  @Test
  void matrixSetsAndSweepsAreAppliedAndEveryRowCarriesThem() {
    assertThat(run("matrix", "--scenarios", "tiny", "--strategies", "iova-tree", "--set", "machine.mamv=9",
        "--sweep", "machine.aw-bits=39,48", "--hosts", "vfio-type1,iommufd", "--csv")).isEqualTo(0);
    assertThat(harness.ran).hasSize(4);
    assertThat(harness.ran).extracting(s -> s.machine().mamv()).containsOnly(9);
    assertThat(harness.ran).extracting(s -> s.machine().awBits() + " " + s.machine().host())
        .containsExactlyInAnyOrder("39 vfio-type1", "39 iommufd", "48 vfio-type1", "48 iommufd");
    String[] lines = out.toString().split("\\R");
    assertThat(lines[0]).startsWith("scenario,strategy,driver,flush,dma-mode,host,mamv,file,machine.mamv,machine.aw-bits,machine.host,outcome,met,");
    assertThat(lines[1]).startsWith("tiny,iova-tree,linux-6.12,linux,strict,vfio-type1,9,builtin:tiny,9,39,vfio-type1,ok,true,,");
    assertThat(lines[4]).startsWith("tiny,iova-tree,linux-6.12,linux,strict,iommufd,9,builtin:tiny,9,48,iommufd,EEXIST,false,host-error,");
  }

  @Test
  void matrixJsonCarriesTheConfigurationOfEachRun() throws Exception {
    assertThat(run("matrix", "--scenarios", "tiny", "--strategies", "psi-only", "--dma-modes", "strict,lazy", "--json")).isEqualTo(0);
    var runs = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.toString()).get("runs");
    assertThat(runs).hasSize(2);
    assertThat(runs.get(1).get("dma-mode").asText()).isEqualTo("lazy");
    assertThat(runs.get(1).get("mamv").asInt()).isEqualTo(18);
    assertThat(runs.get(1).get("file").asText()).isEqualTo("builtin:tiny");
    assertThat(runs.get(1).get("violations").get(0).get("iova").asText()).isEqualTo("0x100000");
    assertThat(runs.get(1).get("counters").get("walk-entries").asLong()).isEqualTo(4);
  }

  @Test
  void matrixRejectsBadSweepsAndPlotsWithoutASweep() {
    assertThat(run("matrix", "--scenarios", "tiny", "--sweep", "machine.mamv=20..16")).isEqualTo(2);
    assertThat(err.toString()).contains("--sweep: machine.mamv: range 20..16 runs backwards");
    assertThat(run("matrix", "--scenarios", "tiny", "--sweep", "machine.nonsense=1,2")).isEqualTo(2);
    assertThat(err.toString()).contains("--set: machine.nonsense: unknown key");
    assertThat(run("matrix", "--scenarios", "tiny", "--sweep", "parameters.size=1,2")).isEqualTo(2);
    assertThat(err.toString()).contains("parameters.size: the scenario tiny declares no parameters");
    assertThat(run("matrix", "--scenarios", "tiny", "--plot", "x.svg")).isEqualTo(2);
    assertThat(err.toString()).contains("--plot needs a --sweep");
    assertThat(run("matrix", "--scenarios", "tiny", "--sweep", "machine.mamv=1,2", "--plot", "x.gif")).isEqualTo(2);
    assertThat(err.toString()).contains("the file must end in .svg or .png");
  }

  @Test
  void hostErrorsShowTheErrno() {
    run("matrix", "--scenarios", "tiny", "--strategies", "psi-only", "--csv");
    run("run", "--builtin", "tiny", "--set", "machine.host=iommufd", "--set", "machine.shadow-sync=psi-only");
    assertThat(out.toString()).contains("[STALE+EEXIST]");
  }

  @Test
  void demoPrintsTheOutcomePivotCostsAndLegend() {
    assertThat(run("demo", "--threads", "1")).isEqualTo(0);
    String text = out.toString();
    assertThat(harness.ran).hasSize(2 * 3);
    assertThat(text).containsPattern("scenario +driver +psi-only +unmap-all-replay +iova-tree")
        .contains("How to read it:").contains("marked *");
    // tiny declares pass under every strategy; the fake finds a stale mapping under psi-only
    String pivotRow = text.lines().filter(l -> l.startsWith("tiny-lazy")).findFirst().orElseThrow();
    assertThat(pivotRow).contains("6.12 linux lazy").matches(".*lazy\\s+STALE\\*\\s+ok\\s+ok");
    assertThat(text).contains("* tiny × psi-only (6.12 linux): declared ok, found STALE\n")
        .contains("* tiny-lazy × psi-only (6.12 linux lazy): declared ok, found STALE\n")
        .contains("6 runs: 4 ok, 2 with violations or errors; 4 as declared, 2 not");
  }

  @Test
  void demoMarksNothingWhenEveryCellIsAsItsStrategysEntryDeclares() {
    harness.declared = Expect.PASSES.withStrategy("psi-only", new Expect("violation", List.of("stale-mapping")));
    assertThat(run("demo", "--threads", "1")).isEqualTo(0);
    String text = out.toString();
    String pivotRow = text.lines().filter(l -> l.startsWith("tiny-lazy")).findFirst().orElseThrow();
    assertThat(pivotRow).matches(".*lazy\\s+STALE\\s+ok\\s+ok");
    assertThat(text).doesNotContain("* tiny").contains("6 runs: 4 ok, 2 with violations or errors; 6 as declared, 0 not");
  }

  @Test
  void runJudgesTheStrategysEntryAndJsonMetFollowsIt() throws Exception {
    Path declared = dir.resolve("declared.yaml");
    Files.writeString(declared, FakeHarness.TINY + """
        expect:
          outcome: pass
          per-strategy:
            psi-only: { outcome: violation, violations: [stale-mapping] }
        """);
    Path json = dir.resolve("r.json");
    assertThat(run("run", declared.toString(), "--set", "machine.shadow-sync=psi-only", "--json", json.toString()))
        .isEqualTo(0);
    assertThat(out.toString()).startsWith("ok    tiny: violation [STALE] (expected violation [stale-mapping])");
    JsonNode s = new ObjectMapper().readTree(Files.readString(json)).get("scenarios").get(0);
    assertThat(s.fieldNames()).toIterable().containsExactly("name", "outcome", "met", "violations", "counters",
        "staleWindows");
    assertThat(s.get("met").asBoolean()).isTrue();
    assertThat(run("run", declared.toString())).isEqualTo(0);
    assertThat(out.toString()).startsWith("ok    tiny: pass [ok] (expected pass)");
    // --set expect.* is the expectation under every strategy
    assertThat(run("run", declared.toString(), "--set", "machine.shadow-sync=psi-only", "--set", "expect.outcome=pass"))
        .isEqualTo(1);
    assertThat(out.toString()).startsWith("FAIL  tiny: violation [STALE] (expected pass)");
    assertThat(run("matrix", "--scenarios", declared.toString(), "--strategies", "psi-only,iova-tree")).isEqualTo(0);
    assertThat(out.toString()).containsPattern("psi-only .* STALE +yes ").contains("2 as declared, 0 not");
  }
}
