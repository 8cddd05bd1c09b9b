package io.vtdsim.harness.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.testbed.Superpage;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.Step;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ScenarioWriterTest {
  private final ScenarioWriter writer = new ScenarioWriter();

  static List<String> builtins() {
    return BuiltinScenarios.names();
  }

  @ParameterizedTest
  @MethodSource("builtins")
  void everyBuiltinScenarioSurvivesTheRoundTrip(String name) {
    Scenario s = BuiltinScenarios.load(name);
    Scenario back = ScenarioLoader.parse(writer.write(s), name + ".yaml");
    assertThat(Equivalence.of(back)).isEqualTo(Equivalence.of(s));
  }

  @ParameterizedTest
  @ValueSource(strings = {"plain", "yes", "No", "null", "1.5", "has space", "colon: here", "quote \" and \\ back",
      "# not a comment", "[list]", "{map}", "-dash", "tab\there", "two\nlines", "two\nlines\n", "  indented\nx",
      "trailing\n\n", "ünïcode — dash"})
  void awkwardTextStaysTheSame(String text) {
    Scenario s = new Scenario(text, text, MachineSpec.DEFAULTS, DriverSpec.DEFAULTS,
        List.of(new DeviceSpec("nic", "00:03.0", DeviceSpec.ASSIGNED)), List.of(new Step.Boot(0)), Expect.PASSES, "t");
    Scenario back = ScenarioLoader.parse(writer.write(s), "t.yaml");
    assertThat(back.name()).isEqualTo(text);
    assertThat(back.description()).isEqualTo(text);
  }

  @Test
  void everyKeyAndStepKindIsWritten() {
    MachineSpec m = MachineSpec.builder().preset("qemu-10.2").ramBytes(6L << 30).cachingMode(true).awBits(57)
        .psi(false).mamv(9).superpages(List.of(Superpage.SIZE_2M)).queuedInvalidation(true).negativeCaching(false)
        .shadowSync(ShadowStrategy.UNMAP_ALL_REPLAY).host(HostSemantics.IOMMUFD).build();
    Scenario s = new Scenario("all", "", m, new DriverSpec("linux-5.10", "strict-psi", "lazy"),
        List.of(new DeviceSpec("nic", "00:03.0", DeviceSpec.ASSIGNED), new DeviceSpec("disk", "00:1f.7", DeviceSpec.EMULATED)),
        List.of(new Step.Boot(0), new Step.Attach(0, "nic", "d1"),
            new Step.MapRange(0, "d1", 0x100000, 0x2000000, 0x3000, "w"),
            new Step.DmaMap(0, "nic", 0x3000010, 1500, "to-device", "buf"),
            new Step.Dma(0, "nic", "buf", null, "read", 100, "ok"),
            new Step.Dma(0, "disk", null, 0xFEC00000L, "write", 1, "fault"),
            new Step.DmaUnmap(0, "buf"),
            new Step.Repeat(0, 3, List.of(new Step.Advance(0, 1500), new Step.UnmapRange(0, "d1", 0x100000, 0x1000))),
            new Step.Detach(0, "nic"), new Step.Advance(0, 2_000_000_000L)),
        new Expect(Expect.VIOLATION, List.of("stale-mapping", "host-error")), "t");
    String yaml = writer.write(s);
    assertThat(Equivalence.of(ScenarioLoader.parse(yaml, "all.yaml"))).isEqualTo(Equivalence.of(s));
    assertThat(yaml).contains("  - map: { domain: d1, iova: 0x100000, gpa: 0x2000000, size: 12KiB, perm: w }\n",
        "  - dma-map: { device: nic, gpa: 0x3000010, size: 1500B, dir: to-device, as: buf }\n",
        "  - advance: 2s\n", "  superpages: [2M]\n", "  ram: 6GiB\n");
  }

  @Test
  void emptySuperpageListAndDefaultsRoundTrip() {
    MachineSpec m = MachineSpec.builder().superpages(List.of()).build();
    Scenario s = new Scenario("none", "", m, DriverSpec.DEFAULTS, List.of(), List.of(new Step.Advance(0, 7)),
        Expect.PASSES, "t");
    assertThat(Equivalence.of(ScenarioLoader.parse(writer.write(s), "n.yaml"))).isEqualTo(Equivalence.of(s));
  }

  @Test
  void scalableModeFirstStageAndQueueRoundTrip() {
    MachineSpec m = MachineSpec.builder().preset("qemu-11.1").scalableMode(true).flts(true)
        .queue(io.vtdsim.emu.vtd.VtdConfig.QueueProcessing.THREAD).build();
    Scenario s = new Scenario("sm", "", m, DriverSpec.DEFAULTS, List.of(new DeviceSpec("nic", "00:03.0", DeviceSpec.ASSIGNED)),
        List.of(new Step.Boot(0)), Expect.PASSES, "t");
    String yaml = writer.write(s);
    assertThat(yaml).contains("  scalable-mode: true\n", "  flts: true\n", "  queue: thread\n");
    assertThat(ScenarioLoader.parse(yaml, "sm.yaml").machine()).isEqualTo(m);
    MachineSpec legacy = MachineSpec.builder().preset("qemu-11.1-sm").scalableMode(false).flts(false).build();
    assertThat(ScenarioLoader.parse(writer.write(s.withMachine(legacy)), "l.yaml").machine()).isEqualTo(legacy);
  }
}
