package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.harness.testbed.Superpage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScenarioLoaderTest {
  /** The scenario-format example the project started from (psi-to-dsi-fallback), verbatim except for the elided repeat body. */
  static final String ISSUE_EXAMPLE = """
      name: psi-to-dsi-fallback
      description: free text
      machine:
        preset: qemu-7.2          # base capabilities; every key below overrides it
        ram: 1GiB
        caching-mode: true
        aw-bits: 48               # 39 | 48 | 57
        psi: true
        mamv: 18
        superpages: [2M, 1G]
        queued-invalidation: true
        negative-caching: true
        shadow-sync: iova-tree
        host: vfio-type1
        fidelity: qemu
      driver:
        preset: linux-6.12
        flush: linux
        dma-mode: strict
      devices:
        - { id: nic, bdf: "00:03.0", kind: assigned }
      steps:
        - boot
        - attach: { device: nic, domain: d1 }
        - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 2MiB, perm: rw }
        - dma-map: { device: nic, gpa: 0x3000000, size: 8KiB, dir: bidirectional, as: buf1 }
        - dma: { device: nic, at: buf1, op: write, len: 64, expect: ok }
        - dma-unmap: { handle: buf1 }
        - unmap: { domain: d1, iova: 0x100000, size: 2MiB }
        - detach: { device: nic }
        - advance: 10ms
        - repeat: { times: 100, steps: [ { dma: { device: nic, iova: 0x100000, op: read, len: 8, expect: fault } } ] }
      expect:
        outcome: violation
        violations: [stale-mapping]
      """;

  @Test
  void readsEveryKeyOfTheIssueExample() {
    Scenario s = ScenarioLoader.parse(ISSUE_EXAMPLE, "ex.yaml");
    assertThat(s.name()).isEqualTo("psi-to-dsi-fallback");
    assertThat(s.description()).isEqualTo("free text");
    assertThat(s.source()).isEqualTo("ex.yaml");
    assertThat(s.machine()).isEqualTo(MachineSpec.builder().preset("qemu-7.2").ramBytes(1L << 30)
        .cachingMode(true).awBits(48).psi(true).mamv(18).superpages(List.of(Superpage.SIZE_2M, Superpage.SIZE_1G))
        .queuedInvalidation(true).negativeCaching(true).shadowSync(ShadowStrategy.IOVA_TREE)
        .host(HostSemantics.VFIO_TYPE1).fidelity(Fidelity.QEMU).build());
    assertThat(s.driver()).isEqualTo(new DriverSpec("linux-6.12", "linux", "strict"));
    assertThat(s.devices()).containsExactly(new DeviceSpec("nic", "00:03.0", "assigned"));
    assertThat(s.steps()).containsExactly(
        new Step.Boot(23),
        new Step.Attach(24, "nic", "d1"),
        new Step.MapRange(25, "d1", 0x100000, 0x2000000, 2 << 20, "rw"),
        new Step.DmaMap(26, "nic", 0x3000000, 8192, "bidirectional", "buf1"),
        new Step.Dma(27, "nic", "buf1", null, "write", 64, "ok"),
        new Step.DmaUnmap(28, "buf1"),
        new Step.UnmapRange(29, "d1", 0x100000, 2 << 20),
        new Step.Detach(30, "nic"),
        new Step.Advance(31, 10_000_000L),
        new Step.Repeat(32, 100, List.of(new Step.Dma(32, "nic", null, 0x100000L, "read", 8, "fault"))));
    assertThat(s.expect()).isEqualTo(new Expect("violation", List.of("stale-mapping")));
  }

  @Test
  void absentBlocksTakeDefaultsAndTheNameComesFromTheFile() {
    Scenario s = ScenarioLoader.parse("steps: [boot]\n", "dir/round-trip.yaml");
    assertThat(s.name()).isEqualTo("round-trip");
    assertThat(s.machine()).isEqualTo(MachineSpec.DEFAULTS);
    assertThat(s.machine().presetOrDefault()).isEqualTo("qemu-7.2");
    assertThat(s.machine().ramBytesOrDefault()).isEqualTo(1L << 30);
    assertThat(s.machine().awBitsOrDefault()).isEqualTo(48);
    assertThat(s.machine().shadowSyncOrDefault().label()).isEqualTo("iova-tree");
    assertThat(s.machine().hostOrDefault().label()).isEqualTo("vfio-type1");
    assertThat(s.driver().presetOrDefault()).isEqualTo("linux-6.12");
    assertThat(s.driver().flushOrDefault()).isEqualTo("linux");
    assertThat(s.driver().dmaModeOrDefault()).isEqualTo("strict");
    assertThat(s.expect()).isEqualTo(Expect.PASSES);
  }

  @Test
  void stepDefaultsPermRwDirBidirectionalLen64ExpectOkKindAssigned() {
    Scenario s = ScenarioLoader.parse("""
        devices: [{ id: a, bdf: "0000:01:00.1" }]
        steps:
          - boot
          - attach: { device: a, domain: d }
          - map: { domain: d, iova: 4096, gpa: 8192, size: 4096 }
          - dma-map: { device: a, gpa: 0x123, size: 100 }
          - dma: { device: a, iova: 4096, op: read }
        """, "t.yaml");
    assertThat(s.devices()).containsExactly(new DeviceSpec("a", "01:00.1", "assigned"));
    assertThat(s.steps().get(2)).isEqualTo(new Step.MapRange(5, "d", 4096, 8192, 4096, "rw"));
    assertThat(s.steps().get(3)).isEqualTo(new Step.DmaMap(6, "a", 0x123, 100, "bidirectional", null));
    assertThat(s.steps().get(4)).isEqualTo(new Step.Dma(7, "a", null, 4096L, "read", 64, "ok"));
  }

  @Test
  void violationsImplyOutcomeViolation() {
    Scenario s = ScenarioLoader.parse("steps: [boot]\nexpect: { violations: [host-error] }\n", "t.yaml");
    assertThat(s.expect()).isEqualTo(new Expect("violation", List.of("host-error")));
  }

  @Test
  void perStrategyEntriesOverrideTheDefaultForTheirStrategyInFileOrder() {
    Scenario s = ScenarioLoader.parse("""
        steps: [boot]
        expect:
          outcome: pass
          per-strategy:
            unmap-all-replay: { violations: [host-error] }
            psi-only: { outcome: violation, violations: [stale-mapping, unexpected-success] }
        """, "t.yaml");
    Expect e = s.expect();
    assertThat(e.outcome()).isEqualTo("pass");
    assertThat(e.violations()).isEmpty();
    assertThat(e.perStrategy()).containsOnlyKeys("unmap-all-replay", "psi-only");
    assertThat(List.copyOf(e.perStrategy().keySet())).containsExactly("unmap-all-replay", "psi-only");
    // violations listed without an outcome imply outcome violation, as in the default expectation
    assertThat(e.forStrategy("unmap-all-replay")).isEqualTo(new Expect("violation", List.of("host-error")));
    assertThat(e.forStrategy("psi-only"))
        .isEqualTo(new Expect("violation", List.of("stale-mapping", "unexpected-success")));
    // a strategy without an entry takes the default, with no per-strategy entries of its own
    assertThat(e.forStrategy("iova-tree")).isEqualTo(Expect.PASSES);
    assertThat(s.effectiveExpect()).isEqualTo(Expect.PASSES); // machine.shadow-sync defaults to iova-tree
    assertThat(s.withMachine(s.machine().withShadowSync("psi-only")).effectiveExpect().outcome()).isEqualTo("violation");
    assertThatThrownBy(() -> e.perStrategy().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void perStrategyErrorsInBlockStyleNameTheirLine() {
    String yaml = """
        steps: [boot]
        expect:
          outcome: pass
          per-strategy:
            psi-only: { outcome: violation, violations: [stale-mapping] }
            iova-tree:
              outcome: violation
              violations: [stale]
        """;
    assertThatThrownBy(() -> ScenarioLoader.parse(yaml, "s.yaml"))
        .hasMessageStartingWith("s.yaml:8: expect.per-strategy.iova-tree.violations: unknown value 'stale'");
    assertThatThrownBy(() -> ScenarioLoader.parse(yaml.replace("iova-tree:", "iova-tre:"), "s.yaml"))
        .hasMessageStartingWith("s.yaml:6: expect.per-strategy.iova-tre: unknown shadow strategy");
    assertThatThrownBy(() -> ScenarioLoader.parse(yaml.replace("iova-tree:", "psi-only:"), "s.yaml"))
        .hasMessageStartingWith("s.yaml:6: psi-only: duplicate key (first at line 5)");
  }

  @Test
  void anExpectationCannotNestPerStrategyEntries() {
    Expect inner = Expect.PASSES.withStrategy("psi-only", Expect.PASSES);
    assertThatThrownBy(() -> Expect.PASSES.withStrategy("iova-tree", inner))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iova-tree");
  }

  @Test
  void loadsFromAFileAndNamesAMissingFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.yaml");
    Files.writeString(f, "steps: [boot]\n");
    assertThat(ScenarioLoader.load(f).source()).isEqualTo(f.toString());
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> ScenarioLoader.load(missing))
        .isInstanceOf(ScenarioException.class)
        .hasMessage(missing + ": file: cannot read: no such file");
    assertThatThrownBy(() -> ScenarioLoader.load(dir))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith(dir + ": file: cannot read: ");
  }

  @Test
  void yamlSyntaxErrorsNameTheLineOfTheProblemAndSaySnakeYamlsSentences() {
    assertThatThrownBy(() -> ScenarioLoader.parse("name: x\nsteps: [boot,\n  boot\nexpect: {}\n", "s.yaml"))
        .hasMessage("s.yaml:4: yaml: syntax error: while parsing a flow sequence; expected ',' or ']', but got :");
    assertThatThrownBy(() -> ScenarioLoader.parse("steps:\n  - boot\n\tbad\n", "s.yaml"))
        .hasMessageStartingWith("s.yaml:3: yaml: syntax error: while scanning for the next token; found character")
        .hasMessageNotContaining("in 'reader'");
    assertThatThrownBy(() -> ScenarioLoader.parse("", "s.yaml")).hasMessage("s.yaml:1: yaml: empty document");
    assertThatThrownBy(() -> ScenarioLoader.parse("steps: [boot]\n---\nsteps: [boot]\n", "s.yaml"))
        .hasMessageContaining("yaml: more than one YAML document");
  }

  @Test
  void describeNamesEachStepReadably() {
    Scenario s = ScenarioLoader.parse(ISSUE_EXAMPLE, "ex.yaml");
    assertThat(s.steps()).extracting(Step::describe).containsExactly(
        "boot",
        "attach nic to domain d1",
        "map d1 iova 0x100000 -> gpa 0x2000000 size 2MiB rw",
        "dma-map nic gpa 0x3000000 size 8KiB bidirectional as buf1",
        "dma nic write 64 B at buf1 expect ok",
        "dma-unmap buf1",
        "unmap d1 iova 0x100000 size 2MiB",
        "detach nic",
        "advance 10ms",
        "repeat 100x (1 step)");
  }

  private static final String HEAD = """
      devices: [{ id: nic, bdf: "00:03.0" }]
      steps:
        - boot
        - attach: { device: nic, domain: d1 }
      """;

  /** Each error class: the YAML (line 5 onward follows HEAD), then file:line: key: and a fragment of the reason. */
  @ParameterizedTest(name = "{2}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      HEAD  - map: { domain: d1, iova: 0x100001, gpa: 0, size: 4KiB }      | 5 | map.iova         | not aligned to 4KiB
      HEAD  - map: { domain: d1, iova: 0, gpa: 0x800, size: 4KiB }         | 5 | map.gpa          | not aligned to 4KiB
      HEAD  - map: { domain: d1, iova: 0, gpa: 0, size: 6KiB }             | 5 | map.size         | not aligned to 4KiB
      HEAD  - unmap: { domain: d1, iova: 0x1800, size: 4KiB }              | 5 | unmap.iova       | not aligned to 4KiB
      HEAD  - map: { domain: d1, iova: 0, gpa: 0, size: 4Kb }              | 5 | map.size         | not a size
      HEAD  - map: { domain: d1, iova: zero, gpa: 0, size: 4KiB }          | 5 | map.iova         | not a number
      HEAD  - map: { domain: d1, iova: 0, gpa: 0, size: 4KiB, perm: x }    | 5 | map.perm         | expected one of: r, w, rw
      HEAD  - map: { domain: d1, iova: 0, gpa: 0, size: 4KiB, prem: r }    | 5 | map.prem         | unknown key
      HEAD  - map: { domain: d2, iova: 0, gpa: 0, size: 4KiB }             | 5 | map.domain       | unknown domain 'd2'
      HEAD  - map: { domain: d1, iova: 0, size: 4KiB }                     | 5 | map.gpa          | missing
      HEAD  - dma: { device: gpu, iova: 0, op: read }                      | 5 | dma.device       | unknown device 'gpu'
      HEAD  - dma: { device: nic, iova: 0, at: b, op: read }               | 5 | dma              | not both
      HEAD  - dma: { device: nic, op: read }                               | 5 | dma              | missing at
      HEAD  - dma: { device: nic, at: buf, op: read }                      | 5 | dma.at           | unknown handle 'buf'
      HEAD  - dma: { device: nic, iova: 0, op: peek }                      | 5 | dma.op           | expected one of: read, write
      HEAD  - dma: { device: nic, iova: 0, op: read, expect: maybe }       | 5 | dma.expect       | expected one of: ok, fault
      HEAD  - dma-unmap: { handle: buf }                                   | 5 | dma-unmap.handle | unknown handle 'buf'
      HEAD  - dma-map: { device: nic, gpa: 0, size: 4KiB, dir: up }        | 5 | dma-map.dir      | to-device, from-device, bidirectional
      HEAD  - advance: 10 minutes                                          | 5 | advance          | not a duration
      HEAD  - advance: 10                                                  | 5 | advance          | not a duration
      HEAD  - repeat: { times: 0, steps: [boot] }                          | 5 | repeat.times     | between 1 and
      HEAD  - reboot                                                       | 5 | reboot           | unknown step
      HEAD  - { boot: null, detach: { device: nic } }                      | 5 | boot,detach      | exactly one key
      HEAD  - detach: nic                                                  | 5 | detach           | expected a map
      steps: [boot]\\nmachine: { aw-bits: 40 }                              | 2 | machine.aw-bits  | must be 39, 48 or 57
      steps: [boot]\\nmachine: { aw-bits: many }                            | 2 | machine.aw-bits  | not a number
      steps: [boot]\\nmachine: { shadow-sync: lazy-tree }                   | 2 | machine.shadow-sync | psi-only, unmap-all-replay, iova-tree
      steps: [boot]\\nmachine: { host: kvm }                                | 2 | machine.host     | vfio-type1, iommufd
      steps: [boot]\\nmachine: { preset: qemu-9 }                           | 2 | machine.preset   | qemu-7.2, qemu-11.1, qemu-10.2, bare-metal, qemu-11.1-sm, qemu-11.1-sm-fsts
      steps: [boot]\\nmachine: { fidelity: exact }                        | 2 | machine.fidelity | unknown value 'exact'; expected one of: strict, qemu
      steps: [boot]\\nmachine: { preset: bare-metal, fidelity: qemu }      | 2 | machine.fidelity | machine.preset bare-metal is none; use one of: qemu-7.2, qemu-11.1, qemu-10.2, qemu-11.1-sm, qemu-11.1-sm-fsts
      steps: [boot]\\nmachine: { psi: perhaps }                             | 2 | machine.psi      | expected true or false
      steps: [boot]\\nmachine: { psi: [true] }                              | 2 | machine.psi      | expected a value
      steps: [boot]\\nmachine: { superpages: [2M, 4M] }                     | 2 | machine.superpages | unknown superpage size '4M'
      steps: [boot]\\nmachine: { ram: 1000 }                                | 2 | machine.ram      | not aligned to 4KiB
      steps: [boot]\\nmachine: { mamv: 64 }                                 | 2 | machine.mamv     | between 0 and 63
      steps: [boot]\\nmachine: { cpus: 4 }                                  | 2 | machine.cpus     | unknown key
      steps: [boot]\\nmachine: 5                                            | 2 | machine          | expected a map
      steps: [boot]\\ndriver: { preset: linux-3.0 }                         | 2 | driver.preset    | linux-4.10, linux-5.10, linux-5.18, linux-6.1, linux-6.12
      steps: [boot]\\ndriver: { flush: sometimes }                          | 2 | driver.flush     | always-dsi
      steps: [boot]\\ndriver: { dma-mode: eager }                           | 2 | driver.dma-mode  | strict, lazy
      steps: [boot]\\nexpect: { outcome: fine }                             | 2 | expect.outcome   | pass, violation
      steps: [boot]\\nexpect: { violations: [stale] }                       | 2 | expect.violations | stale-mapping
      steps: [boot]\\nexpect: { outcome: pass, violations: [host-error] }   | 2 | expect.violations | outcome is pass
      steps: [boot]\\nexpect: { per-strategy: { lazy-tree: { outcome: pass } } }         | 2 | expect.per-strategy.lazy-tree | unknown shadow strategy; expected one of: psi-only, unmap-all-replay, iova-tree
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { result: pass } } }           | 2 | expect.per-strategy.psi-only.result | unknown key; expected one of: outcome, violations
      steps: [boot]\\nexpect: { per-strategy: { psi-only: pass } }                       | 2 | expect.per-strategy.psi-only | expected a map
      steps: [boot]\\nexpect: { per-strategy: { psi-only: } }                            | 2 | expect.per-strategy.psi-only | expected a map (key: value), found nothing
      steps: [boot]\\nexpect: { per-strategy: [psi-only] }                               | 2 | expect.per-strategy | expected a map
      steps: [boot]\\nexpect: { per-strategy: { psi-only: {} } }                         | 2 | expect.per-strategy.psi-only | empty
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { outcome: fine } } }          | 2 | expect.per-strategy.psi-only.outcome | pass, violation
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { outcome: [pass] } } }        | 2 | expect.per-strategy.psi-only.outcome | expected a value
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { violations: stale-mapping } } } | 2 | expect.per-strategy.psi-only.violations | expected a list
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { violations: [stale] } } }    | 2 | expect.per-strategy.psi-only.violations | unknown value 'stale'; expected one of: stale-mapping
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { outcome: pass, violations: [host-error] } } } | 2 | expect.per-strategy.psi-only.violations | outcome is pass
      steps: [boot]\\nexpect: { per-strategy: { psi-only: { per-strategy: { iova-tree: { outcome: pass } } } } } | 2 | expect.per-strategy.psi-only.per-strategy | cannot be nested
      steps: [boot]\\nexpect: { outcomes: pass }                                         | 2 | expect.outcomes  | expected one of: outcome, violations, per-strategy
      steps: [boot]\\nsteps: [boot]                                         | 2 | steps            | duplicate key
      steps: [boot]\\nmachines: {}                                          | 2 | machines         | unknown key
      name: x                                                              | 1 | steps            | missing
      steps: [boot]\\ndevices: [{ id: a, bdf: "00:03.0", kind: virtual }]  | 2 | devices.kind     | assigned, emulated
      steps: [boot]\\ndevices: [{ id: a, bdf: "3" }]                        | 2 | devices.bdf      | not a PCI address
      steps: [boot]\\ndevices: [{ id: a, bdf: "00:20.0" }]                  | 2 | devices.bdf      | device out of range
      steps: [boot]\\ndevices: [{ id: a, bdf: "00:03.0" }, { id: a, bdf: "00:04.0" }] | 2 | devices.id | duplicate device id 'a'
      steps: [boot]\\ndevices: [{ id: a, bdf: "00:03.0" }, { id: b, bdf: "0:3.0" }]   | 2 | devices.bdf | duplicate bdf 00:03.0
      steps: [boot]\\nsteps2: [ [x                                         | 3 | yaml             | syntax error
      """)
  void errorsNameFileLineAndKey(String yaml, int line, String key, String fragment) {
    String text = yaml.startsWith("HEAD ") ? HEAD + "  " + yaml.substring(5).trim() + "\n" : yaml.replace("\\n", "\n") + "\n";
    assertThatThrownBy(() -> ScenarioLoader.parse(text, "s.yaml"))
        .isInstanceOfSatisfying(ScenarioException.class, e -> {
          assertThat(e.file()).isEqualTo("s.yaml");
          assertThat(e.line()).isEqualTo(line);
          assertThat(e.key()).isEqualTo(key);
          assertThat(e.getMessage()).startsWith("s.yaml:" + line + ": " + key + ": ").contains(fragment);
        });
  }

  @Test
  void handleUsedBeforeItsDmaMapAndUnmappedTwiceAreErrors() {
    String early = HEAD + """
          - dma: { device: nic, at: buf, op: read }
          - dma-map: { device: nic, gpa: 0, size: 4KiB, as: buf }
        """;
    assertThatThrownBy(() -> ScenarioLoader.parse(early, "s.yaml")).hasMessage(
        "s.yaml:5: dma.at: unknown handle 'buf' (no earlier dma-map or dma-map-sg names it with as:)");
    String twice = HEAD + """
          - dma-map: { device: nic, gpa: 0, size: 4KiB, as: buf }
          - dma-unmap: { handle: buf }
          - dma-unmap: { handle: buf }
        """;
    assertThatThrownBy(() -> ScenarioLoader.parse(twice, "s.yaml")).hasMessage(
        "s.yaml:7: dma-unmap.handle: handle 'buf' is already unmapped");
  }

  @Test
  void aRepeatBodyThatUnmapsAHandleItDoesNotRemapFailsOnItsSecondPass() {
    String ok = HEAD + """
          - repeat: { times: 3, steps: [ { dma-map: { device: nic, gpa: 0, size: 4KiB, as: b } }, { dma-unmap: { handle: b } } ] }
        """;
    assertThat(ScenarioLoader.parse(ok, "s.yaml").steps()).hasSize(3);
    String bad = HEAD + """
          - dma-map: { device: nic, gpa: 0, size: 4KiB, as: b }
          - repeat: { times: 2, steps: [ { dma-unmap: { handle: b } } ] }
        """;
    assertThatThrownBy(() -> ScenarioLoader.parse(bad, "s.yaml"))
        .hasMessageContaining("dma-unmap.handle: handle 'b' is already unmapped");
  }

  @Test
  void aUseAfterUnmapIsAllowedBecauseItIsATestOfTheEmulator() {
    String s = HEAD + """
          - dma-map: { device: nic, gpa: 0, size: 4KiB, as: b }
          - dma-unmap: { handle: b }
          - dma: { device: nic, at: b, op: read, expect: fault }
        """;
    assertThat(ScenarioLoader.parse(s, "s.yaml").steps()).hasSize(5);
  }
}
