package io.vtdsim.harness.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.ExtendedCapability;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code machine.scalable-mode} and {@code machine.flts}: QEMU's {@code scalable-mode} and {@code fsts}
 * properties. The expected ECAPs are QEMU 11.1.3's, read over qtest: 0xf42 legacy, plus SRS (31), SMTS
 * (43) and SSTS (46) with scalable-mode=on, SMTS and FSTS (47) without SSTS and SRS with fsts=on.
 */
class ScalableModeKeysTest {
  static final long LEGACY_ECAP = 0xf42L;
  static final long SM_ECAP = 0xf42L | 1L << 31 | 1L << 43 | 1L << 46;
  static final long SM_FSTS_ECAP = 0xf42L | 1L << 43 | 1L << 47;
  static final String ASSIGNED = "devices: [{ id: nic, bdf: \"00:03.0\" }]\nsteps: [boot]\n";

  private static Scenario parse(String machine) {
    return ScenarioLoader.parse("machine: { " + machine + " }\n" + ASSIGNED, "s.yaml");
  }

  private static long ecap(Scenario s) {
    return s.machine().vtdConfig().ecap().encode();
  }

  @Test
  void theKeysAreReadAndAbsentByDefault() {
    Scenario s = parse("preset: qemu-11.1, scalable-mode: true, flts: true");
    assertThat(s.machine().scalableMode()).isTrue();
    assertThat(s.machine().flts()).isTrue();
    Scenario d = ScenarioLoader.parse(ASSIGNED, "d.yaml");
    assertThat(d.machine().scalableMode()).isNull();
    assertThat(d.machine().flts()).isNull();
    assertThat(ecap(d)).isEqualTo(LEGACY_ECAP);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      preset: qemu-11.1                                        | 0xf42
      preset: qemu-11.1, scalable-mode: true                   | 0x0000480080000f42
      preset: qemu-10.2, scalable-mode: true                   | 0x0000480080000f42
      preset: qemu-11.1, scalable-mode: true, flts: true       | 0x0000880000000f42
      preset: qemu-11.1, scalable-mode: true, flts: false      | 0x0000480080000f42
      preset: qemu-11.1-sm                                     | 0x0000480080000f42
      preset: qemu-11.1-sm, flts: true                         | 0x0000880000000f42
      preset: qemu-11.1-sm, scalable-mode: false               | 0xf42
      preset: qemu-11.1-sm-fsts                                | 0x0000880000000f42
      preset: qemu-11.1-sm-fsts, flts: false                   | 0x0000480080000f42
      preset: qemu-11.1-sm-fsts, scalable-mode: false          | 0xf42
      preset: qemu-7.2, scalable-mode: false, flts: false      | 0xf42
      """)
  void theUnitReportsQemusMeasuredEcap(String machine, String ecap) {
    assertThat(ecap(parse(machine))).as(machine).isEqualTo(Long.decode(ecap));
  }

  @Test
  void theHandWrittenEcapsAreTheMeasuredConstants() {
    assertThat(SM_ECAP).isEqualTo(0x0000480080000f42L);
    assertThat(SM_FSTS_ECAP).isEqualTo(0x0000880000000f42L);
    ExtendedCapability fsts = parse("preset: qemu-11.1, scalable-mode: true, flts: true").machine().vtdConfig().ecap();
    assertThat(fsts.smts()).isTrue();
    assertThat(fsts.fsts()).isTrue();
    assertThat(fsts.ssts()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      flts: true                                           | machine.flts          | needs scalable mode
      preset: qemu-11.1, flts: true                        | machine.flts          | fsts is only available in scalable mode
      preset: qemu-11.1-sm, scalable-mode: false, flts: true | machine.flts        | needs scalable mode
      preset: qemu-11.1, scalable-mode: true, flts: true, aw-bits: 39 | machine.flts | needs aw-bits 48, found 39
      preset: qemu-11.1, scalable-mode: true, flts: true, aw-bits: 57 | machine.flts | supported value for aw-bits is: 48
      scalable-mode: true                                  | machine.scalable-mode | preset qemu-7.2 has no scalable-mode unit
      preset: bare-metal, scalable-mode: true              | machine.scalable-mode | preset bare-metal has no scalable-mode unit
      preset: qemu-11.1, scalable-mode: yes                | machine.scalable-mode | expected true or false
      preset: qemu-11.1, flts: 1                           | machine.flts          | expected true or false
      """)
  void impossibleCombinationsNameTheirKeyAndLine(String machine, String key, String fragment) {
    String yaml = "name: x\nmachine:\n" + String.join("\n", machine.split(", ")).replaceAll("(?m)^", "  ") + "\n"
        + ASSIGNED;
    List<String> lines = List.of(yaml.split("\n"));
    String field = key.substring("machine.".length()) + ":";
    int line = 1 + lines.indexOf(lines.stream().filter(l -> l.trim().startsWith(field)).findFirst().orElseThrow());
    assertThatThrownBy(() -> ScenarioLoader.parse(yaml, "s.yaml"))
        .isInstanceOfSatisfying(ScenarioException.class, e -> {
          assertThat(e.key()).isEqualTo(key);
          assertThat(e.line()).isEqualTo(line);
          assertThat(e.getMessage()).startsWith("s.yaml:" + line + ": " + key + ": ").contains(fragment);
        });
  }

  @Test
  void aPresetsOwnFirstStageKeepsEveryWidthAsBefore() {
    // qemu-11.1-sm-fsts accepts aw-bits 39 (the 48-bit CAP narrowed); only the flts key mirrors QEMU's refusal
    assertThat(ecap(parse("preset: qemu-11.1-sm-fsts, aw-bits: 39"))).isEqualTo(SM_FSTS_ECAP);
  }

  @Test
  void setOverridesTheKeysAndChecksTheResult() {
    Scenario base = parse("preset: qemu-11.1");
    Scenario s = Overrides.apply(base, List.of("machine.scalable-mode=true", "machine.flts=true"));
    assertThat(s.machine().scalableMode()).isTrue();
    assertThat(s.machine().flts()).isTrue();
    assertThat(ecap(s)).isEqualTo(SM_FSTS_ECAP);
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.flts=true")))
        .isInstanceOf(ScenarioException.class)
        .hasMessageStartingWith("--set: machine.flts: first-stage translation needs scalable mode")
        .hasMessageEndingWith("(after --set machine.flts=true)");
    assertThatThrownBy(() -> Overrides.apply(base, List.of("machine.scalable-mode=on")))
        .hasMessage("--set: machine.scalable-mode: expected true or false, found 'on'");
    assertThat(Overrides.keys()).contains("machine.scalable-mode", "machine.flts");
  }
}
