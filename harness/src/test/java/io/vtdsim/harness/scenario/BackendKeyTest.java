package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.harness.oracle.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code machine.backend}, the {@code qemu} expectation column and what the qemu backend refuses. */
class BackendKeyTest {
  private static final String ASSIGNED = """
      devices:
        - { id: nic, bdf: "00:03.0" }
      steps: [boot]
      """;

  @Test
  void theBackendIsTheModelUnlessSaid() {
    Scenario s = ScenarioLoader.parse(ASSIGNED, "t.yaml");
    assertThat(s.machine().backend()).isNull();
    assertThat(s.machine().backendOrDefault().label()).isEqualTo("model");
    Scenario q = ScenarioLoader.parse("machine: { backend: qemu }\n" + ASSIGNED, "t.yaml");
    assertThat(q.machine().backendOrDefault().label()).isEqualTo("qemu");
    assertThat(Overrides.apply(s, List.of("machine.backend=qemu")).machine().backend().label()).isEqualTo("qemu");
  }

  @Test
  void anUnknownBackendNamesTheKey() {
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: kvm\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:2: machine.backend:")
        .hasMessageContaining("model, qemu");
    assertThatThrownBy(() -> Overrides.apply(ScenarioLoader.parse(ASSIGNED, "t.yaml"), List.of("machine.backend=kvm")))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("--set: machine.backend:");
  }

  @Test
  void onQemuTheQemuColumnDecides() {
    Scenario s = ScenarioLoader.parse(ASSIGNED + """
        expect:
          outcome: pass
          per-strategy:
            psi-only: { outcome: violation, violations: [stale-mapping] }
            qemu: { outcome: violation, violations: [host-error] }
        """, "t.yaml");
    assertThat(s.effectiveExpect()).isEqualTo(Expect.PASSES);
    assertThat(Overrides.apply(s, List.of("machine.backend=qemu")).effectiveExpect())
        .isEqualTo(new Expect("violation", List.of(Violation.HOST_ERROR)));
    // on qemu the model's strategy does not choose the expectation
    assertThat(Overrides.apply(s, List.of("machine.backend=qemu", "machine.shadow-sync=psi-only")).effectiveExpect())
        .isEqualTo(new Expect("violation", List.of(Violation.HOST_ERROR)));
  }

  @Test
  void awBits57IsNotPossibleOnQemu() {
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: qemu\n  aw-bits: 57\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("t.yaml:3: machine.aw-bits: QEMU's intel-iommu supports 39 or 48, not 57");
    assertThat(ScenarioLoader.parse("machine:\n  aw-bits: 57\n" + ASSIGNED, "t.yaml").machine().awBits()).isEqualTo(57);
  }

  @Test
  void cachingModeOffWithAnAssignedDeviceIsNotPossibleOnQemu() {
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: qemu\n  caching-mode: false\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:3: machine.caching-mode:");
    assertThatThrownBy(() -> Overrides.apply(ScenarioLoader.parse(ASSIGNED, "t.yaml"),
            List.of("machine.preset=bare-metal", "machine.backend=qemu")))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("--set: machine.preset:");
    // an emulated device alone may run without caching mode
    assertThat(ScenarioLoader.parse("""
        machine: { backend: qemu, caching-mode: false }
        devices:
          - { id: edu, bdf: "00:04.0", kind: emulated }
        steps: [boot]
        """, "t.yaml").machine().cachingMode()).isFalse();
  }

  @Test
  void ramBeyondWhatQemusCpuAddressesIsNotPossibleOnQemu() {
    // 40 physical address bits (QEMU's default x86 CPU): 2 GiB below the hole + the rest from 4 GiB < 1 TiB
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: qemu\n  ram: 1023GiB\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:3: machine.ram: the QEMU backend needs a multiple of 2 MiB up to 1022 GiB");
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: qemu\n  ram: 3073MiB\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:3: machine.ram: the QEMU backend needs a multiple of 2 MiB");
    assertThat(ScenarioLoader.parse("machine:\n  backend: qemu\n  ram: 1022GiB\n" + ASSIGNED, "t.yaml").machine().ramBytes())
        .isEqualTo(1022L << 30);
  }

  @Test
  void devicesOffBus0AreNotPossibleOnQemu() {
    assertThatThrownBy(() -> ScenarioLoader.parse("""
        machine: { backend: qemu }
        devices:
          - { id: nic, bdf: "01:00.0" }
        steps: [boot]
        """, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:3: devices.bdf: the QEMU backend places"
            + " devices on bus 0 only");
  }

  /**
   * QEMU refuses fsts=on below aw-bits 48 (vtd_decide_config: "Scalable mode(fsts=on): supported value
   * for aw-bits is: 48"); the model's qemu-11.1-sm-fsts preset runs at 39 bits too, so only the QEMU
   * backend refuses it, naming the width and the preset the first stage comes from.
   */
  @Test
  void firstStageBelowAwBits48IsNotPossibleOnQemu() {
    String fsts39 = "machine:\n  preset: qemu-11.1-sm-fsts\n  aw-bits: 39\n";
    assertThat(ScenarioLoader.parse(fsts39 + ASSIGNED, "t.yaml").machine().awBits()).isEqualTo(39);
    assertThatThrownBy(() -> ScenarioLoader.parse(fsts39 + "  backend: qemu\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("t.yaml:3: machine.aw-bits: QEMU's first-stage translation (machine.flts, fsts=on)"
            + " supports aw-bits 48 only, not 39; first-stage translation comes from machine.preset qemu-11.1-sm-fsts")
        .hasMessageEndingWith("(machine.backend qemu)");
    Scenario fsts = ScenarioLoader.parse("machine:\n  preset: qemu-11.1-sm-fsts\n  backend: qemu\n" + ASSIGNED, "t.yaml");
    assertThatThrownBy(() -> Overrides.apply(fsts, List.of("machine.aw-bits=39")))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("--set: machine.aw-bits: QEMU's first-stage");
  }

  /** The keys reach QEMU's properties: scalable-mode with flts at 48 bits loads for the QEMU backend. */
  @Test
  void scalableModeAndFirstStageKeysArePossibleOnQemu() {
    Scenario s = ScenarioLoader.parse(
        "machine:\n  backend: qemu\n  preset: qemu-11.1\n  scalable-mode: true\n  flts: true\n" + ASSIGNED, "t.yaml");
    assertThat(s.machine().scalableModeOrPreset()).isTrue();
    assertThat(s.machine().fltsOrPreset()).isTrue();
    // flts without scalable mode is refused for both backends, at the flts key (QEMU: "fsts is only available
    // in scalable mode")
    assertThatThrownBy(() -> ScenarioLoader.parse(
        "machine:\n  backend: qemu\n  preset: qemu-11.1\n  flts: true\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("t.yaml:4: machine.flts:");
  }

  /**
   * machine.shadow-sync: nested is the model's nesting (NestedForwarder + HWPT); QEMU nests only on an
   * iommufd host device, which a vfio-user device is not: a scenario error at the key, like queue: thread.
   */
  @Test
  void nestingIsAModelSettingOnQemu() {
    assertThatThrownBy(() -> ScenarioLoader.parse("machine:\n  backend: qemu\n  shadow-sync: nested\n" + ASSIGNED, "t.yaml"))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("t.yaml:3: machine.shadow-sync: nested is a model setting: QEMU nests a first-stage"
            + " table only on an iommufd host device")
        .hasMessageEndingWith("(machine.backend qemu)");
    Scenario nested = ScenarioLoader.parse("machine:\n  shadow-sync: nested\n" + ASSIGNED, "t.yaml");
    assertThatThrownBy(() -> Overrides.apply(nested, List.of("machine.backend=qemu")))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("t.yaml: machine.shadow-sync: nested is a model setting") // after --set: no machine lines
        .hasMessageEndingWith("(after --set machine.backend=qemu)");
    assertThatThrownBy(() -> Overrides.apply(ScenarioLoader.parse("machine: { backend: qemu }\n" + ASSIGNED, "t.yaml"),
        List.of("machine.shadow-sync=nested")))
        .isInstanceOf(ScenarioException.class).hasMessageStartingWith("--set: machine.shadow-sync: nested is a model setting");
    // the built-ins that nest are refused on QEMU
    assertThatThrownBy(() -> Overrides.apply(BuiltinScenarios.load("first-stage-nested"), List.of("machine.backend=qemu")))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("builtin:first-stage-nested: machine.shadow-sync: nested is a model setting");
    // the Java API says the same
    assertThatThrownBy(() -> io.vtdsim.harness.testbed.TestBed.builder().backend("qemu").shadowSync("nested")
        .assigned("nic", "00:03.0").config())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("machine.shadow-sync: nested is a model setting");
  }
}
