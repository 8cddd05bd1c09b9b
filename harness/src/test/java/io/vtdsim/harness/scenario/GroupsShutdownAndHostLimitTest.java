package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.report.OutcomeTag;
import io.vtdsim.harness.testbed.TestBed;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IOMMU groups (a Linux 6.1 guest's trace on QEMU 7.2, docs/linux-6.1-trace.md §2: the ICH9 functions
 * 00:1f.0/2/3 share one group, one domain and DID 4), the shutdown step (intel_iommu_shutdown, ≥5.1),
 * and the host mapping limit (vfio type1 dma_entry_limit → ENOSPC, iommufd locked memory → ENOMEM),
 * through scenarios, --set and TestBed.
 */
class GroupsShutdownAndHostLimitTest {
  static final String ICH9 = """
      name: ich9
      driver: { preset: linux-6.1 }
      devices:
        - { id: blk, bdf: "00:01.0", kind: assigned }
        - { id: lpc, bdf: "00:1f.0", kind: emulated, group: ich9 }
        - { id: ahci, bdf: "00:1f.2", kind: assigned, group: ich9 }
        - { id: smbus, bdf: "00:1f.3", kind: emulated, group: ich9 }
      steps:
        - boot
      """;

  @Test
  void aGroupSharesOneDomainAndDidAndAttachAndDetachActOnTheGroup() {
    Scenario s = ScenarioLoader.parse(ICH9, "ich9.yaml");
    assertThat(s.devices()).extracting(DeviceSpec::group).containsExactly(null, "ich9", "ich9", "ich9");
    try (TestBed bed = TestBed.fromScenario(s)) {
      bed.boot();
      var d = bed.driver();
      assertThat(List.of("00:01.0", "00:1f.0", "00:1f.2", "00:1f.3"))
          .extracting(b -> d.domainId(d.domainOf(SourceId.parse(b)).orElseThrow()))
          .containsExactly(2, 3, 3, 3);
      bed.attach("ahci", "vfio");
      assertThat(List.of("00:1f.0", "00:1f.2", "00:1f.3")).allSatisfy(b ->
          assertThat(d.domainOf(SourceId.parse(b))).contains("vfio"));
      bed.map("vfio", 0x100000, 0x2000000, 0x1000, true, true);
      assertThat(bed.dma("smbus", 0x100000, true, 64, true)).as("the group's other member uses the domain").isEmpty();
      assertThat(bed.check()).isEmpty();
      bed.detach("lpc");
      assertThat(List.of("00:1f.0", "00:1f.2", "00:1f.3")).allSatisfy(b ->
          assertThat(d.domainOf(SourceId.parse(b))).isEmpty());
      assertThat(bed.dma("ahci", 0x100000, true, 64, false)).isEmpty();
      assertThat(bed.check()).isEmpty();
    }
  }

  @Test
  void setPutsADeviceIntoAGroupAndNamesUnknownDevices() {
    Scenario s = ScenarioLoader.parse(ICH9, "ich9.yaml");
    Scenario moved = Overrides.apply(s, List.of("devices.blk.group=ich9", "devices.smbus.group="));
    assertThat(moved.devices()).extracting(DeviceSpec::group).containsExactly("ich9", "ich9", "ich9", null);
    assertThatThrownBy(() -> Overrides.apply(s, List.of("devices.nope.group=x")))
        .isInstanceOf(ScenarioException.class).hasMessageContaining("--set: devices.nope.group: unknown device 'nope'");
    assertThatThrownBy(() -> Overrides.apply(s, List.of("devices.blk.group=a b")))
        .isInstanceOf(ScenarioException.class).hasMessageContaining("a group name is letters");
  }

  @Test
  void afterShutdownTranslationIsOffAndTheDeviceSeesGuestRamOneToOne() {
    String yaml = """
        driver: { preset: %s }
        devices: [ { id: nic, bdf: "00:03.0", kind: assigned } ]
        steps:
          - boot
          - attach: { device: nic, domain: d1 }
          - shutdown
          - dma: { device: nic, iova: 0x3000000, op: write, len: 64, expect: %s }
        """;
    ScenarioResult off = new ScenarioRunner().run(ScenarioLoader.parse(yaml.formatted("linux-6.1", "ok"), "s.yaml"));
    assertThat(off.violations()).isEmpty();
    assertThat(off.met()).isTrue();
    // 4.10 has no shutdown hook: translation stays on and the IOVA, mapped in no domain, faults
    ScenarioResult on = new ScenarioRunner().run(ScenarioLoader.parse(yaml.formatted("linux-4.10", "fault"), "s.yaml"));
    assertThat(on.violations()).isEmpty();
  }

  @Test
  void onlyDmaAndAdvanceMayFollowAShutdown() {
    assertThatThrownBy(() -> ScenarioLoader.parse("""
        devices: [ { id: nic, bdf: "00:03.0" } ]
        steps:
          - boot
          - attach: { device: nic, domain: d1 }
          - shutdown
          - advance: 1ms
          - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 4KiB }
        """, "x.yaml")).isInstanceOf(ScenarioException.class)
        .hasMessageContaining("x.yaml:7: map: the guest was shut down at line 5: only dma and advance steps may follow");
    assertThatThrownBy(() -> ScenarioLoader.parse("steps: [ boot, { repeat: { times: 2, steps: [ shutdown ] } } ]", "r.yaml"))
        .isInstanceOf(ScenarioException.class).hasMessageContaining("shutdown: a shutdown cannot be repeated");
  }

  @Test
  void theHostMappingLimitIsAScenarioKeyAndAHostError() {
    String yaml = """
        machine: { superpages: [], host: %s, host-mapping-limit: 4 }
        devices: [ { id: nic, bdf: "00:03.0", kind: assigned } ]
        steps:
          - boot
          - attach: { device: nic, domain: d1 }
          - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 32KiB, perm: rw }
        """;
    Scenario type1 = ScenarioLoader.parse(yaml.formatted("vfio-type1"), "l.yaml");
    assertThat(type1.machine().hostMappingLimit()).isEqualTo(4L);
    // eight 4 KiB MAPs (one per slot), the fifth refused: vfio_dma_do_map's -ENOSPC
    assertThat(OutcomeTag.of(new ScenarioRunner().run(type1))).isEqualTo("MISSING+ENOSPC");
    assertThat(OutcomeTag.of(new ScenarioRunner().run(ScenarioLoader.parse(yaml.formatted("iommufd"), "l.yaml"))))
        .isEqualTo("MISSING+ENOMEM");
    Scenario raised = Overrides.apply(type1, List.of("machine.host-mapping-limit=8"));
    assertThat(new ScenarioRunner().run(raised).violations()).isEmpty();
    assertThatThrownBy(() -> Overrides.apply(type1, List.of("machine.host-mapping-limit=0")))
        .isInstanceOf(ScenarioException.class).hasMessageContaining("must be at least 1");
  }
}
