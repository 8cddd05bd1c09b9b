package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.Registers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A QEMU that dies or stops answering ends the session with a clear exception and leaves no process or file behind. */
@Tag("qemu")
class QemuRobustnessTest {
  private QemuSession session;

  @AfterEach
  void close() {
    if (session != null) session.close();
  }

  private QemuSession start(Duration replyTimeout) {
    session = QemuSession.start(QemuTests.installation(), new QemuMachineOptions(48, true, 64L << 20,
        List.of(new QemuDevice("nic", 0, 1, 0, true)), replyTimeout, QemuMachineOptions.DEFAULT_START_TIMEOUT),
        QemuSession.Listener.ACCEPT_ALL);
    return session;
  }

  @Test
  void qemuKilledMidSessionIsACrashWithItsExitStatus() throws Exception {
    QemuSession s = start(QemuMachineOptions.DEFAULT_REPLY_TIMEOUT);
    ProcessHandle qemu = ProcessHandle.of(s.pid()).orElseThrow();
    signal("KILL", s.pid());
    qemu.onExit().get(5, TimeUnit.SECONDS);

    assertThatThrownBy(() -> s.vtdRegisters().read(Registers.CAP, 8))
        .isInstanceOf(QemuCrashedException.class)
        .hasMessageContaining("pid " + s.pid())
        .hasMessageContaining("exited with status 137 (signal 9)")
        .satisfies(e -> assertThat(((QemuCrashedException) e).exitStatus()).isEqualTo(137));
    assertThat(s.alive()).isFalse();
    assertThatThrownBy(() -> s.dmaRead("nic", 0, 4)).isInstanceOf(QemuCrashedException.class);
    s.close();
    assertThat(ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
  }

  @Test
  void qemuThatStopsAnsweringTimesOutAndIsKilled() throws Exception {
    QemuSession s = start(Duration.ofMillis(500));
    ProcessHandle qemu = ProcessHandle.of(s.pid()).orElseThrow();
    signal("STOP", s.pid());

    assertThatThrownBy(() -> s.vtdRegisters().read(Registers.CAP, 8))
        .isInstanceOf(QemuTimeoutException.class)
        .hasMessageContaining("did not answer `readq 0xfed90008` within 500 ms; killed it");
    // killed before the exception was thrown: gone without waiting for close()
    qemu.onExit().get(5, TimeUnit.SECONDS);
    assertThat(qemu.isAlive()).isFalse();
    assertThatThrownBy(() -> s.dmaRead("nic", 0, 4)).isInstanceOf(QemuTimeoutException.class);
  }

  @Test
  void aStoppedQemuTimesOutADeviceDmaToo() throws Exception {
    QemuSession s = start(Duration.ofMillis(500));
    ProcessHandle qemu = ProcessHandle.of(s.pid()).orElseThrow();
    signal("STOP", s.pid());

    assertThatThrownBy(() -> s.dmaRead("nic", 0x1000, 4))
        .isInstanceOf(QemuTimeoutException.class)
        .hasMessageContaining("DMA_READ 0x1000+4 of nic");
    qemu.onExit().get(5, TimeUnit.SECONDS);
  }

  @Test
  void closeKillsQemuAndDeletesTheSessionFilesAndIsIdempotent() throws Exception {
    QemuSession s = start(QemuMachineOptions.DEFAULT_REPLY_TIMEOUT);
    ProcessHandle qemu = ProcessHandle.of(s.pid()).orElseThrow();
    Path dir = s.stderrFile().getParent();
    assertThat(dir.resolve("ram")).exists();

    s.close();
    s.close();
    assertThat(qemu.isAlive()).isFalse();
    assertThat(dir).doesNotExist();
    assertThatThrownBy(() -> s.vtdRegisters().read(Registers.CAP, 8)).isInstanceOf(IllegalStateException.class);
  }

  private static void signal(String sig, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

}
