package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.machine.QemuMachine;
import io.vtdsim.harness.testbed.TestBed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * QEMU 11.1's intel-iommu in scalable mode, read over qtest: its CAP and ECAP are the scalable-mode
 * presets' register values bit for bit, and it refuses what {@link QemuMachineOptions} refuses.
 * The expected values are the registers as measured on QEMU 11.1.3 (hw/i386/intel_iommu.c
 * vtd_cap_init: scalable-mode=on adds ECAP SMTS | SRS | SSTS; fsts=on SMTS | FSTS instead, and
 * CAP.FS1GP while fs1gp is on, its default).
 */
@Tag("qemu")
class QemuScalableRegistersTest {
  private static final List<QemuDevice> NIC = List.of(new QemuDevice("nic", 0, 1, 0, true));
  private QemuSession session;

  @TempDir
  Path tmp;

  @AfterEach
  void close() {
    if (session != null) session.close();
  }

  @ParameterizedTest(name = "{0} aw {1}")
  @CsvSource({
      "qemu-11.1-sm,      48, false, 0x80d2008c222f0686, 0x0000480080000f42",
      "qemu-11.1-sm,      39, false, 0x80d2008c22260286, 0x0000480080000f42",
      "qemu-11.1-sm-fsts, 48, true,  0x81d2008c222f0686, 0x0000880000000f42"})
  void qemusRegistersAreThePresetsBitForBit(String preset, int awBits, boolean firstStage, String cap, String ecap) {
    session = QemuSession.start(QemuTests.installation(),
        new QemuMachineOptions(awBits, true, 64L << 20, NIC).withScalableMode(true, firstStage), QemuSession.Listener.ACCEPT_ALL);
    long qemuCap = session.vtdRegisters().read(Registers.CAP, 8);
    long qemuEcap = session.vtdRegisters().read(Registers.ECAP, 8);
    assertThat(session.commandLine()).anyMatch(a -> a.contains(firstStage ? ",scalable-mode=on,fsts=on" : ",scalable-mode=on"));
    assertThat(qemuCap).as("CAP 0x%x", qemuCap).isEqualTo(Long.parseUnsignedLong(cap.substring(2), 16));
    assertThat(qemuEcap).as("ECAP 0x%x", qemuEcap).isEqualTo(Long.parseUnsignedLong(ecap.substring(2), 16));
    VtdConfig model = VtdConfig.preset(preset, awBits);
    assertThat(model.cap().encode()).as("%s CAP", preset).isEqualTo(qemuCap);
    assertThat(model.ecap().encode()).as("%s ECAP", preset).isEqualTo(qemuEcap);
    assertThat(session.vtdRegisters().read(Registers.VER, 4)).isEqualTo(0x10);
  }

  /** Through the backend: a TestBed configuration with the preset starts QEMU in that mode, which honours it whole. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"qemu-11.1-sm, 0x0000480080000f42", "qemu-11.1-sm-fsts, 0x0000880000000f42"})
  void theBackendStartsThePresetsModeAndHonoursIt(String preset, String ecap) {
    QemuTests.installation();
    EventLog log = new EventLog(new Clock());
    var config = TestBed.builder().backend("qemu").machine(preset).fidelity("qemu").ram(64L << 20)
        .assigned("nic", "00:01.0").config();
    try (QemuMachine m = QemuMachine.start(config, log, MsiSink.NONE)) {
      Event start = log.eventsOfKind(QemuMachine.EV_START).get(0);
      assertThat(start.longAttr("ecap")).isEqualTo(Long.parseUnsignedLong(ecap.substring(2), 16));
      assertThat(start.longAttr("cap")).isEqualTo(VtdConfig.preset(preset, 48).cap().encode());
      assertThat(start.attrs().get("notHonoured")).isEqualTo("");
      assertThat(m.bus().read64(Registers.DEFAULT_BASE + Registers.ECAP)).isEqualTo(start.longAttr("ecap"));
    }
  }

  /**
   * QEMU's own answers to what {@link QemuMachineOptions} refuses before starting it
   * (vtd_decide_config): first-stage only in scalable mode, and only at aw-bits 48.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "scalable-mode=on,fsts=on,aw-bits=39 | Scalable mode(fsts=on): supported value for aw-bits is: 48",
      "fsts=on                             | fsts is only available in scalable mode",
      "scalable-mode=on,aw-bits=57         | Scalable mode(fsts=off): supported values for aw-bits are: 39, 48"})
  void qemuRefusesTheCombinationsTheOptionsRefuse(String properties, String message) throws Exception {
    QemuInstallation q = QemuTests.installation();
    Path err = tmp.resolve("stderr");
    List<String> cmd = new ArrayList<>(List.of(q.launcher().toString(), "-machine", "q35", "-accel", "qtest",
        "-display", "none", "-nodefaults", "-no-user-config", "-device",
        "intel-iommu,caching-mode=on,intremap=off," + properties));
    Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
    try {
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("QEMU exits at the device's realize").isTrue();
    } finally {
      Processes.terminate(p.toHandle(), 2000);
    }
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(read(err)).contains("-device intel-iommu,caching-mode=on,intremap=off," + properties + ": " + message);
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
