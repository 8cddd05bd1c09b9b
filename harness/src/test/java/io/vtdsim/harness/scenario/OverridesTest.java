package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.harness.testbed.Superpage;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverridesTest {
  private final Scenario base = ScenarioLoader.parse(ScenarioLoaderTest.ISSUE_EXAMPLE, "ex.yaml");

  @Test
  void theIssueExample() {
    Scenario s = Overrides.apply(base, List.of("machine.shadow-sync=psi-only", "driver.preset=linux-4.10"));
    assertThat(s.machine().shadowSync().label()).isEqualTo("psi-only");
    assertThat(s.driver().preset()).isEqualTo("linux-4.10");
    assertThat(s.machine().mamv()).isEqualTo(18);
    assertThat(s.steps()).isEqualTo(base.steps());
  }

  @Test
  void everyScalarKey() {
    Scenario s = Overrides.apply(base, List.of(
        "name=n", "description=d", "machine.preset=bare-metal", "machine.ram=2GiB", "machine.caching-mode=false",
        "machine.aw-bits=39", "machine.psi=false", "machine.mamv=0x9", "machine.superpages=1G",
        "machine.queued-invalidation=false", "machine.negative-caching=false", "machine.host=iommufd",
        "machine.shadow-sync=unmap-all-replay", "machine.fidelity=strict", "driver.flush=always-dsi", "driver.dma-mode=lazy",
        "expect.violations=host-error,missing-mapping"));
    assertThat(s.name()).isEqualTo("n");
    assertThat(s.description()).isEqualTo("d");
    assertThat(s.machine()).isEqualTo(MachineSpec.builder().preset("bare-metal").ramBytes(2L << 30)
        .cachingMode(false).awBits(39).psi(false).mamv(9).superpages(List.of(Superpage.SIZE_1G)).queuedInvalidation(false)
        .negativeCaching(false).shadowSync(ShadowStrategy.UNMAP_ALL_REPLAY).host(HostSemantics.IOMMUFD)
        .fidelity(Fidelity.STRICT).build());
    assertThat(s.driver()).isEqualTo(new DriverSpec("linux-6.12", "always-dsi", "lazy"));
    assertThat(s.expect()).isEqualTo(new Expect("violation", List.of("host-error", "missing-mapping")));
    assertThat(Overrides.apply(s, List.of("expect.outcome=pass")).expect()).isEqualTo(Expect.PASSES);
    assertThat(Overrides.apply(s, List.of("machine.superpages=")).machine().superpages()).isEmpty();
  }

  /**
   * {@code --set expect.*} states the expectation for the run whatever the strategy: it replaces the
   * default and drops the file's per-strategy entries, whatever the order of the assignments.
   */
  @Test
  void anExpectOverrideAppliesToEveryStrategy() {
    Scenario declared = ScenarioLoader.parse("""
        steps: [boot]
        expect:
          outcome: pass
          per-strategy:
            psi-only: { outcome: violation, violations: [stale-mapping] }
        """, "t.yaml");
    Scenario a = Overrides.apply(declared, List.of("machine.shadow-sync=psi-only", "expect.outcome=pass"));
    Scenario b = Overrides.apply(declared, List.of("expect.outcome=pass", "machine.shadow-sync=psi-only"));
    assertThat(a.expect()).isEqualTo(Expect.PASSES).isEqualTo(b.expect());
    assertThat(a.effectiveExpect()).isEqualTo(Expect.PASSES);
    Scenario c = Overrides.apply(declared, List.of("expect.violations=host-error"));
    assertThat(c.expect()).isEqualTo(new Expect("violation", List.of("host-error")));
    assertThat(c.expect().perStrategy()).isEmpty();
    // other overrides leave the declarations alone
    Scenario d = Overrides.apply(declared, List.of("machine.shadow-sync=psi-only", "driver.preset=linux-5.10"));
    assertThat(d.expect()).isEqualTo(declared.expect());
    assertThat(d.effectiveExpect()).isEqualTo(new Expect("violation", List.of("stale-mapping")));
  }

  @Test
  void laterAssignmentsWin() {
    Scenario s = Overrides.apply(base, List.of("machine.shadow-sync=psi-only", "machine.shadow-sync=iova-tree"));
    assertThat(s.machine().shadowSync().label()).isEqualTo("iova-tree");
  }

  @Test
  void errorsNameSetAsTheFile() {
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.shadow-sync=sometimes")))
        .isInstanceOfSatisfying(ScenarioException.class, e -> {
          assertThat(e.file()).isEqualTo("--set");
          assertThat(e.key()).isEqualTo("machine.shadow-sync");
          assertThat(e.getMessage()).startsWith("--set: machine.shadow-sync: unknown value 'sometimes'");
        });
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.cpus=4")))
        .hasMessageStartingWith("--set: machine.cpus: unknown key; expected one of: name, description, machine.preset");
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.aw-bits=40")))
        .hasMessageStartingWith("--set: machine.aw-bits: must be 39, 48 or 57");
    assertThatThrownBy(() -> Overrides.apply(base, List.of("psi")))
        .hasMessageStartingWith("--set: psi: expected key=value");
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.ram=1000")))
        .hasMessageContaining("not aligned to 4KiB");
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.fidelity=exact")))
        .hasMessageStartingWith("--set: machine.fidelity: unknown value 'exact'; expected one of: strict, qemu");
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.preset=bare-metal", "machine.fidelity=qemu")))
        .hasMessageStartingWith("--set: machine.fidelity: qemu reproduces a QEMU version, and machine.preset"
            + " bare-metal is none");
    assertThat(Overrides.apply(base, List.of("machine.fidelity=qemu")).machine().fidelityOrDefault().text()).isEqualTo("qemu");
  }
}
