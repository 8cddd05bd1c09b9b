package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        .isEqualTo(new Expect("violation", List.of("host-error")));
    // on qemu the model's strategy does not choose the expectation
    assertThat(Overrides.apply(s, List.of("machine.backend=qemu", "machine.shadow-sync=psi-only")).effectiveExpect())
        .isEqualTo(new Expect("violation", List.of("host-error")));
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
}
