package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.machine.MachineCrashedException;
import io.vtdsim.harness.machine.QemuMachine;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.BackendDiff;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import io.vtdsim.harness.testbed.TestBed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built-in scenarios on real QEMU ({@code machine.backend=qemu}) and against the model. Expected
 * values are QEMU's behaviour as measured in the QEMU notes (reference/qemu-vfio-user.md, section 4)
 * and the outcomes the scenario files declare under {@code qemu}.
 */
@Tag("qemu")
class QemuBackendTest {
  /** Built-ins real QEMU cannot run, and why (the README's "Real QEMU" section says so too). */
  static final Map<String, String> NOT_ON_QEMU = Map.of(
      "first-stage-nested", "machine.shadow-sync: nested: QEMU nests only on an iommufd host device, not a vfio-user one",
      "nested-skipped-flush", "machine.shadow-sync: nested: QEMU nests only on an iommufd host device, not a vfio-user one");
  /** Built-ins where QEMU 11.1.3 and the model differ, each documented in its description and the README. */
  static final Set<String> DOCUMENTED_DIFFERENCES = Set.of(
      "no-map-flush-emulated", "unaligned-pre-5.18", "interrupt-window");

  @BeforeEach
  void needsQemu() {
    QemuTests.installation();
  }

  static Stream<String> runnable() {
    return BuiltinScenarios.names().stream().filter(n -> !NOT_ON_QEMU.containsKey(n));
  }

  private static Scenario onQemu(String name) {
    return Overrides.apply(BuiltinScenarios.load(name), List.of("machine.backend=qemu"));
  }

  private static ScenarioResult run(Scenario s) {
    return new ScenarioRunner().run(s);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runnable")
  void everyBuiltinEndsWithItsDeclaredQemuOutcome(String name) {
    Scenario s = onQemu(name);
    ScenarioResult r = run(s);
    assertThat(r.machine()).startsWith("QEMU 11.");
    assertThat(r.error()).isNull();
    assertThat(BuiltinScenarios.load(name).expect().perStrategy()).containsKey("qemu");
    assertThat(r.met()).as("%s: %s %s, declared %s", name, r.outcome(), r.violations(), s.effectiveExpect()).isTrue();
    assertThat(r.violationKinds()).containsExactlyInAnyOrderElementsOf(s.effectiveExpect().violations());
  }

  /** The built-ins QEMU cannot run are refused at the key (exit 2 in the CLI) and say so in their description. */
  @Test
  void theNestedBuiltinsAreRefusedAtTheirNestingKey() {
    for (String name : NOT_ON_QEMU.keySet()) {
      assertThatThrownBy(() -> onQemu(name)).as(name).isInstanceOf(ScenarioException.class)
          .hasMessageStartingWith("builtin:" + name + ": machine.shadow-sync: nested is a model setting");
      assertThat(BuiltinScenarios.load(name).description()).as(name).contains("Not on real QEMU");
      assertThat(BuiltinScenarios.load(name).expect().perStrategy()).as(name).doesNotContainKey("qemu");
    }
  }

  /**
   * The scalable-mode keys reach QEMU: second-stage-scalable runs scalable-mode=on (ECAP.SMTS, no FSTS),
   * first-stage-shadowed scalable-mode=on,fsts=on (ECAP.FSTS); there the map's PASID-based PSI gets no
   * DMA_MAP (vtd_iotlb_page_invalidate_notify walks nothing under fsts), while the second-stage map's PSI gets one.
   */
  @Test
  void theScalableModeBuiltinsRunQemuInTheirMode() {
    ScenarioResult ss = run(onQemu("second-stage-scalable"));
    var ssEcap = io.vtdsim.emu.spec.ExtendedCapability.decode(startEcap(ss));
    assertThat(ssEcap.smts()).isTrue();
    assertThat(ssEcap.fsts()).isFalse();
    assertThat(stepText(ss, 2)).startsWith("map d1 iova 0x100000");
    assertThat(messages(step(ss, 2), "recv DMA_MAP")).containsExactly(
        "recv DMA_MAP iova=0x100000 size=0x1000 offset=0x3000000 prot=rw");
    ScenarioResult fs = run(onQemu("first-stage-shadowed"));
    var fsEcap = io.vtdsim.emu.spec.ExtendedCapability.decode(startEcap(fs));
    assertThat(fsEcap.smts()).isTrue();
    assertThat(fsEcap.fsts()).isTrue();
    assertThat(stepText(fs, 2)).startsWith("map d1 iova 0x100000");
    assertThat(messages(step(fs, 2), "recv DMA_MAP")).isEmpty();
    assertThat(messages(step(fs, 4), "recv DMA_UNMAP")).isEmpty(); // the unmap's PSI: nothing to undo
  }

  private static long startEcap(ScenarioResult r) {
    return ((Number) r.events().stream().filter(e -> e.kind().equals(QemuMachine.EV_START)).findFirst().orElseThrow()
        .attrs().get("ecap")).longValue();
  }

  @Test
  void aMachineQemuCannotBeIsRefusedNamingTheKey() {
    // QEMU's default x86 CPU addresses 1 TiB (40 physical address bits): RAM relocated above 4 GiB must end below it
    assertThatThrownBy(() -> Overrides.apply(BuiltinScenarios.load("map-unmap-4k"),
        List.of("machine.backend=qemu", "machine.ram=1023GiB"))).isInstanceOf(ScenarioException.class)
        .hasMessageContaining("machine.ram: the QEMU backend needs a multiple of 2 MiB up to 1022 GiB");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runnable")
  void diffAgreesExceptWhereDocumented(String name) {
    Scenario base = BuiltinScenarios.load(name);
    ScenarioResult q = run(onQemu(name));
    ScenarioResult m = run(BackendDiff.modelCounterpart(base, q.machine()));
    BackendDiff.Result d = BackendDiff.compare(m, q, "model");
    assertThat(d.agree()).as(BackendDiff.text(d)).isEqualTo(!DOCUMENTED_DIFFERENCES.contains(name));
  }

  /**
   * no-map-flush-emulated differs from QEMU only because its file turns negative caching on: taken
   * back, the model under {@code machine.fidelity=qemu} agrees with QEMU 11.1.3 on every step.
   */
  @Test
  void noMapFlushEmulatedAgreesOnceItsNegativeCachingIsTakenBack() {
    ScenarioResult q = run(Overrides.apply(BuiltinScenarios.load("no-map-flush-emulated"),
        List.of("machine.negative-caching=false", "machine.backend=qemu")));
    ScenarioResult m = run(Overrides.apply(BuiltinScenarios.load("no-map-flush-emulated"), List.of(
        "machine.negative-caching=false", "machine.shadow-sync=iova-tree", "machine.preset=qemu-11.1",
        "machine.fidelity=qemu")));
    BackendDiff.Result d = BackendDiff.compare(m, q, "model");
    assertThat(d.agree()).as(BackendDiff.text(d)).isTrue();
    assertThat(q.outcome()).isEqualTo("pass");
  }

  /** The documented QEMU bug: the superpage cut at the upper notifier's start keeps its base GPA. */
  @Test
  void interruptWindowDiffShowsQemusUncroppedTarget() {
    ScenarioResult q = run(onQemu("interrupt-window"));
    ScenarioResult m = run(BackendDiff.modelCounterpart(BuiltinScenarios.load("interrupt-window"), q.machine()));
    BackendDiff.Result d = BackendDiff.compare(m, q, "model");
    BackendDiff.StepDiff mapStep = d.differing().get(0);
    assertThat(mapStep.text()).startsWith("map d1 iova 0xfec00000");
    BackendDiff.Difference calls = mapStep.differences().get(0);
    assertThat(calls.aspect()).isEqualTo("host calls");
    assertThat(calls.modelOnly()).containsExactly("map nic iova 0xfef00000 size 1MiB -> gpa 0x4300000 rw: ok");
    assertThat(calls.qemuOnly()).containsExactly("map nic iova 0xfef00000 size 1MiB -> gpa 0x4200000 rw: ok");
  }

  /** A PSI sent twice (flush: duplicate-psi) gets one DMA_MAP: QEMU's IOVA tree drops the identical entry. */
  @Test
  void aPsiSentTwiceGetsNoSecondMap() {
    ScenarioResult r = run(onQemu("duplicate-psi"));
    assertThat(stepText(r, 2)).startsWith("dma-map nic");
    List<Event> dmaMapStep = step(r, 2);
    assertThat(messages(dmaMapStep, "recv DMA_MAP")).hasSize(1);
    assertThat(r.counters().get("host-map")).isEqualTo(2); // the boot identity map and this one
  }

  /** The unmap across the interrupt window comes as chunks below 0xFEE00000 and from 0xFEF00000, none inside. */
  @Test
  void anUnmapAcrossTheInterruptWindowSkipsTheWindow() {
    ScenarioResult r = run(onQemu("interrupt-window"));
    assertThat(stepText(r, 5)).startsWith("unmap d1 iova 0xfec00000");
    List<Event> unmapStep = step(r, 5);
    List<long[]> unmaps = hostCalls(unmapStep, "host.unmap");
    assertThat(unmaps).isNotEmpty();
    for (long[] u : unmaps) {
      assertThat(u[0] + u[1] <= InterruptRange.START || u[0] >= InterruptRange.END)
          .as("unmap 0x%x+0x%x", u[0], u[1]).isTrue();
    }
    long below = unmaps.stream().filter(u -> u[0] < InterruptRange.START).mapToLong(u -> u[2]).sum();
    long above = unmaps.stream().filter(u -> u[0] >= InterruptRange.END).mapToLong(u -> u[2]).sum();
    assertThat(below).isEqualTo(InterruptRange.START - 0xFEC00000L); // the 2 MiB superpage
    assertThat(above).isEqualTo(0xFF000000L - InterruptRange.END);    // the upper 1 MiB piece
  }

  /** A 2 MiB superpage is one 2 MiB DMA_MAP (not 512 of 4 KiB, although the server offers pgsizes 4 KiB). */
  @Test
  void aSuperpageArrivesAsOneMap() {
    ScenarioResult r = run(onQemu("superpage-split"));
    assertThat(stepText(r, 2)).startsWith("map d1 iova 0x40000000");
    List<Event> mapStep = step(r, 2);
    assertThat(messages(mapStep, "recv DMA_MAP")).containsExactly(
        "recv DMA_MAP iova=0x40000000 size=0x200000 offset=0x4000000 prot=rw");
  }

  /**
   * RAM above 4 GiB (6 GiB: 2 below the PCI hole, 4 from 4 GiB): QEMU's DMA_MAP offset is into the
   * RAM file, where GPA 4 GiB is offset 2 GiB; the host mapping gets the GPA. psi-to-dsi-fallback maps
   * IOVA 4 GiB → GPA 4 GiB as two 1 GiB halves (1 GiB superpages).
   */
  @Test
  void ramAbove4GibMapsAtItsGpa() {
    ScenarioResult r = run(onQemu("psi-to-dsi-fallback"));
    assertThat(r.met()).as("%s %s", r.outcome(), r.violations()).isTrue();
    assertThat(stepText(r, 2)).startsWith("map d1 iova 0x100000000");
    assertThat(messages(step(r, 2), "recv DMA_MAP")).containsExactly(
        "recv DMA_MAP iova=0x100000000 size=0x40000000 offset=0x80000000 prot=rw");
    assertThat(step(r, 3).stream().filter(e -> e.kind().equals("host.map")).map(e -> e.attrs().get("gpa")))
        .containsExactly(0x140000000L);
  }

  /** Clearing the context entry (detach) unmaps the whole 48-bit space in 28 aligned chunks, window excluded. */
  @Test
  void aContextClearUnmapsTheWholeSpaceInChunks() {
    ScenarioResult r = run(onQemu("domain-switch"));
    assertThat(stepText(r, 5)).startsWith("detach nic");
    List<Event> detach = step(r, 5);
    List<long[]> unmaps = hostCalls(detach, "host.unmap");
    assertThat(unmaps).hasSize(28);
    long covered = unmaps.stream().mapToLong(u -> u[1]).sum();
    assertThat(covered).isEqualTo((1L << 48) - (InterruptRange.END - InterruptRange.START));
    for (long[] u : unmaps) assertThat(Long.bitCount(u[1])).as("chunk size 0x%x", u[1]).isEqualTo(1);
  }

  /** An emulated device's fault is QEMU's own record: read back from FRCD (reason 6, VT-d spec 7.1.3). */
  @Test
  void emulatedDeviceFaultsAreReadBackFromFrcd() {
    ScenarioResult r = run(onQemu("no-map-flush-emulated"));
    assertThat(stepText(r, 2)).startsWith("dma disk read");
    List<Event> faults = step(r, 2).stream().filter(e -> e.kind().equals(QemuMachine.EV_FAULT)).toList();
    assertThat(faults).hasSize(1);
    Map<String, Object> a = faults.get(0).attrs();
    assertThat(((Number) a.get("sid")).intValue()).isEqualTo(0x20); // 00:04.0
    assertThat(((Number) a.get("reason")).intValue()).isEqualTo(0x6);
    assertThat(((Number) a.get("iova")).longValue()).isEqualTo(0x100000L);
    // the driver's fault handler (delivered the fault event) cleared the record: the next DMA got through
    assertThat(r.outcome()).isEqualTo(ScenarioResult.PASS);
  }

  /**
   * An emulated device's write on QEMU is staged through edu's buffer (edu reads the planted bytes at
   * the IOVA, then writes them back): it lands at the mapped GPA; without a mapping it is QEMU's own
   * write fault (FRCD reason 5: write access not set, VT-d spec 7.1.3), the staging read's record dropped.
   */
  @Test
  void anEmulatedDeviceWriteLandsAtItsGpaOrFaultsAsAWrite() {
    try (TestBed bed = TestBed.builder().backend(Backend.QEMU).ram(256L << 20).emulated("disk", "00:04.0").build()) {
      bed.boot();
      bed.attach("disk", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      assertThat(bed.memory().read(0x2000000, 64)).containsOnly(0);
      assertThat(bed.dma("disk", 0x100000, true, 64, true)).isEmpty();
      assertThat(bed.memory().read(0x2000000, 64)).isNotEqualTo(new byte[64]); // the check's pattern arrived
      assertThat(bed.dma("disk", 0x300000, true, 64, false)).isEmpty();
      List<Event> faults = bed.log().events().stream().filter(e -> e.kind().equals(QemuMachine.EV_FAULT)).toList();
      assertThat(faults).singleElement().satisfies(e -> {
        assertThat(((Number) e.attrs().get("reason")).intValue()).isEqualTo(0x5);
        assertThat(e.attrs().get("read")).isEqualTo(false);
        assertThat(((Number) e.attrs().get("iova")).longValue()).isEqualTo(0x300000L);
      });
    }
  }

  /**
   * While TE is off QEMU maps its RAM sections (the nodmar alias, PAM-split); they are accounted as the
   * model's identity map, and go when TE goes on (VT-d spec 10.4.4: TES; QEMU vtd_switch_address_space).
   */
  @Test
  void theNodmarAliasIsTheModelsIdentityMap() {
    TestBedBuilderPair p = new TestBedBuilderPair();
    try (TestBed model = p.model.build(); TestBed qemu = p.qemu.build()) {
      assertThat(qemu.host("nic").mappings()).isNotEmpty().isEqualTo(model.host("nic").mappings());
      assertThat(qemu.host("nic").mappings().get(0).iova()).isZero();
      assertThat(qemu.log().eventsOfKind(QemuMachine.EV_ALIAS)).isNotEmpty();
      model.boot();
      qemu.boot();
      assertThat(model.host("nic").mappings()).isEmpty();
      assertThat(qemu.host("nic").mappings()).isEmpty();
      assertThat(qemu.check()).isEmpty();
    }
  }

  private static final class TestBedBuilderPair {
    final io.vtdsim.harness.testbed.TestBedBuilder model =
        TestBed.builder().machine("qemu-11.1").ram(256L << 20).assigned("nic", "00:03.0");
    final io.vtdsim.harness.testbed.TestBedBuilder qemu =
        TestBed.builder().backend(Backend.QEMU).ram(256L << 20).assigned("nic", "00:03.0");
  }

  /** QEMU killed under a running machine: the next access is a crash, and nothing is left running. */
  @Test
  void qemuKilledMidScenarioIsACrashAndLeavesNoProcess() {
    TestBed bed = TestBed.builder().backend(Backend.QEMU).ram(256L << 20).assigned("nic", "00:03.0").build();
    long pid;
    try (bed) {
      bed.boot();
      bed.attach("nic", "d1");
      pid = ((QemuMachine) bed.machine()).pid();
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      assertThatThrownBy(() -> bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true))
          .isInstanceOf(MachineCrashedException.class).hasMessageContaining("QEMU");
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  /** QEMU dying during a step is the run's emulator-crash outcome (a finding), not an error or a hang. */
  @Test
  void qemuDyingUnderAStepIsTheEmulatorCrashOutcome() {
    Scenario s = onQemu("map-unmap-4k");
    long[] pid = {-1};
    ScenarioResult r;
    try (TestBed bed = TestBed.fromScenario(s)) {
      pid[0] = ((QemuMachine) bed.machine()).pid();
      bed.log().subscribe(e -> {
        if (e.kind().equals(ScenarioRunner.EV_STEP) && ((Number) e.attrs().get("index")).intValue() == 2) {
          ProcessHandle.of(pid[0]).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
          });
        }
      });
      r = new ScenarioRunner().run(s, io.vtdsim.harness.scenario.RunOptions.defaults(), bed);
    }
    assertThat(r.outcome()).isEqualTo(ScenarioResult.EMULATOR_CRASH);
    assertThat(r.met()).isFalse();
    assertThat(r.error()).startsWith("step 2").contains("QEMU 11.").contains("died");
    assertThat(ProcessHandle.of(pid[0]).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  /** QEMU that stops answering (SIGSTOP) is no verdict: a MachineException after the reply timeout, QEMU killed. */
  @Test
  void aHangingQemuIsAMachineErrorAndIsKilled() throws Exception {
    long pid;
    try (TestBed bed = TestBed.builder().backend(Backend.QEMU).ram(256L << 20).assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      pid = ((QemuMachine) bed.machine()).pid();
      assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor()).isZero();
      assertThatThrownBy(() -> bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true))
          .isInstanceOf(io.vtdsim.harness.machine.MachineException.class)
          .isNotInstanceOf(MachineCrashedException.class)
          .hasMessageContaining("did not answer");
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  /** {@code @Machine(backend = "qemu")}: the JUnit extension injects a TestBed on real QEMU. */
  @Test
  @org.junit.jupiter.api.extension.ExtendWith(io.vtdsim.harness.testbed.VtdsimExtension.class)
  @io.vtdsim.harness.testbed.Machine(backend = "qemu", ramMiB = 256, fidelity = "qemu", preset = "qemu-11.1")
  void theJUnitExtensionBuildsAQemuMachine(TestBed bed) {
    assertThat(bed.backend()).isEqualTo(Backend.QEMU);
    assertThat(bed.machine().version()).startsWith("QEMU 11.");
    bed.boot();
    bed.attach("nic", "d1");
    bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
    assertThat(bed.host("nic").lookup(0x100000)).hasValueSatisfying(m -> assertThat(m.gpa()).isEqualTo(0x2000000L));
    assertThat(bed.check()).isEmpty();
  }

  /** {@code diff}: exit 0 when the two agree, 1 when they differ, 2 for a scenario QEMU cannot run; --json. */
  @Test
  void diffExitCodesAndJson(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    Path json = dir.resolve("diff.json");
    assertThat(io.vtdsim.harness.cli.CliRun.execute(out, err, "diff", "--builtin", "map-unmap-4k", "--json",
        json.toString())).as(out + "" + err).isZero();
    assertThat(out.toString()).startsWith("same   map-unmap-4k: model (iova-tree, qemu-11.1, fidelity qemu) vs QEMU 11.");
    assertThat(java.nio.file.Files.readString(json)).contains("\"agree\" : true");
    assertThat(io.vtdsim.harness.cli.CliRun.execute(out, err, "diff", "--builtin", "interrupt-window")).isEqualTo(1);
    java.io.StringWriter err2 = new java.io.StringWriter();
    Path aw57 = dir.resolve("aw57.yaml"); // QEMU's intel-iommu has aw-bits 39 or 48 only
    java.nio.file.Files.writeString(aw57, BuiltinScenarios.text("map-unmap-4k").replace("machine:\n", "machine:\n  aw-bits: 57\n"));
    assertThat(io.vtdsim.harness.cli.CliRun.execute(new java.io.StringWriter(), err2, "diff", aw57.toString(),
        "--builtin", "map-unmap-4k")).isEqualTo(2);
    assertThat(err2.toString()).contains("machine.aw-bits");
  }

  /** No usable QEMU: the CLI says what it tried and exits 2 (a child JVM, so that VTDSIM_QEMU can be set). */
  @Test
  void noUsableQemuIsExit2() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.vtdsim.harness.cli.Main",
        "run", "--builtin", "map-unmap-4k", "--set", "machine.backend=qemu");
    pb.environment().put("VTDSIM_QEMU", "/nonexistent/qemu-system-x86_64");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isEqualTo(2);
    assertThat(out).contains("no usable QEMU").contains("VTDSIM_QEMU");
  }

  // ---- reading a run's events ----

  /** The events of step {@code index} (from its harness.step marker to the next one). */
  static List<Event> step(ScenarioResult r, int index) {
    List<Event> out = new ArrayList<>();
    int current = -1;
    for (Event e : r.events()) {
      if (e.kind().equals(ScenarioRunner.EV_STEP)) current = ((Number) e.attrs().get("index")).intValue();
      else if (current == index) out.add(e);
    }
    return out;
  }

  /** The text of step {@code index}'s harness.step marker. */
  static String stepText(ScenarioResult r, int index) {
    return r.events().stream().filter(e -> e.kind().equals(ScenarioRunner.EV_STEP)
        && ((Number) e.attrs().get("index")).intValue() == index).map(e -> (String) e.attrs().get("text"))
        .findFirst().orElse("");
  }

  private static List<String> messages(List<Event> events, String prefix) {
    return events.stream().filter(e -> e.kind().equals(QemuMachine.EV_MESSAGE)).map(Event::detail)
        .filter(d -> d.startsWith(prefix)).toList();
  }

  /** {iova, size, bytes unmapped or mapped} of the step's host calls of {@code kind}. */
  private static List<long[]> hostCalls(List<Event> events, String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).map(e -> new long[] {
        ((Number) e.attrs().get("iova")).longValue(), ((Number) e.attrs().get("size")).longValue(),
        e.attrs().get("unmapped") instanceof Number n ? n.longValue() : ((Number) e.attrs().get("size")).longValue()})
        .toList();
  }
}
