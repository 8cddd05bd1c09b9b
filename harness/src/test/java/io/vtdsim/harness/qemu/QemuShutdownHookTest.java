package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Ctrl-C (SIGINT) of a JVM with an open session still kills QEMU and deletes the session's files. */
@Tag("qemu")
class QemuShutdownHookTest {
  /** The child JVM: opens a session, says where it is, and waits to be interrupted. */
  public static void main(String[] args) throws Exception {
    QemuSession s = QemuSession.start(QemuInstallation.locate(), new QemuMachineOptions(48, true, 64L << 20,
        List.of(new QemuDevice("nic", 0, 1, 0, true))), QemuSession.Listener.ACCEPT_ALL);
    System.out.println(s.pid() + " " + s.stderrFile().getParent());
    System.out.flush();
    Thread.sleep(60_000);
  }

  @Test
  void sigintOfTheJvmKillsQemuAndDeletesTheSessionDirectory() throws Exception {
    QemuTests.installation();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        QemuShutdownHookTest.class.getName()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("the child's session").matches("\\d+ /.*");
      long qemuPid = Long.parseLong(line.split(" ")[0]);
      Path dir = Path.of(line.split(" ", 2)[1]);
      ProcessHandle qemu = ProcessHandle.of(qemuPid).orElseThrow();
      assertThat(Files.isDirectory(dir)).isTrue();

      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start();
      assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
      qemu.onExit().get(5, TimeUnit.SECONDS);
      assertThat(qemu.isAlive()).isFalse();
      assertThat(Files.exists(dir)).isFalse();
    } finally {
      child.destroyForcibly();
    }
  }
}
