package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding QEMU, and refusing what can not serve; with fake launchers (shell scripts), so no QEMU is needed. */
class QemuInstallationTest {
  @TempDir Path tmp;

  /** A launcher answering the probes like QEMU {@code version} with {@code devices}, and running {@code body} otherwise. */
  private Path fake(String name, String version, String devices, String body) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, "#!/bin/sh\n"
        + "case \"$1\" in --version) echo 'QEMU emulator version " + version + " (fake)'; exit 0;; esac\n"
        + "case \"$*\" in *'-device help'*) printf '%s\\n' " + devices + "; exit 0;; esac\n"
        + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  private static final String ALL = "'name \"intel-iommu\", bus System' 'name \"vfio-user-pci\", bus PCI' 'name \"edu\", bus PCI'";

  @Test
  void aMissingLauncherSaysWhatWasTriedAndHowToInstall() {
    Path missing = tmp.resolve("nowhere/qemu-system-x86_64");
    assertThatThrownBy(() -> QemuInstallation.locate(Map.of("VTDSIM_QEMU", missing.toString())))
        .isInstanceOf(QemuUnavailableException.class)
        .hasMessageContaining(missing + " (does not exist)")
        .hasMessageContaining("VTDSIM_QEMU is set, so nothing else was tried")
        .hasMessageContaining("sudo tools/install-qemu.sh");
  }

  @Test
  void withoutVtdsimQemuTheInstallLocationThenThePathAreTried() {
    Map<String, String> env = Map.of("VTDSIM_QEMU_HOME", tmp.resolve("home").toString(), "PATH", tmp.resolve("bin").toString());
    assertThat(QemuInstallation.candidates(env))
        .containsExactly(tmp.resolve("home/bin/qemu-system-x86_64"), Path.of("qemu-system-x86_64"));
    assertThatThrownBy(() -> QemuInstallation.locate(env))
        .isInstanceOf(QemuUnavailableException.class)
        .hasMessageContaining(tmp.resolve("home/bin/qemu-system-x86_64") + " (does not exist)")
        .hasMessageContaining("qemu-system-x86_64 (not on the PATH)");
  }

  @Test
  void aQemuWithoutVfioUserPciIsRefused() throws IOException {
    Path p = fake("no-vfio-user", "11.1.3", "'name \"intel-iommu\", bus System' 'name \"edu\", bus PCI'", "exit 1");
    assertThatThrownBy(() -> QemuInstallation.at(p))
        .isInstanceOf(QemuUnavailableException.class)
        .hasMessageContaining(p + " (QEMU 11.1.3 has no vfio-user-pci device)")
        .hasMessageContaining("sudo tools/install-qemu.sh");
  }

  @Test
  void aQemuOlderThanTenOneIsRefused() throws IOException {
    Path p = fake("old", "7.2.19", ALL, "exit 1");
    assertThatThrownBy(() -> QemuInstallation.at(p))
        .isInstanceOf(QemuUnavailableException.class)
        .hasMessageContaining("QEMU 7.2.19 is too old: the vfio-user client needs 10.1");
  }

  @Test
  void aGoodLauncherIsFoundThroughVtdsimQemuWithItsVersion() throws IOException {
    Path p = fake("good", "11.1.3", ALL, "exit 1");
    QemuInstallation q = QemuInstallation.locate(Map.of("VTDSIM_QEMU", p.toString()));
    assertThat(q.launcher()).isEqualTo(p);
    assertThat(q.version()).isEqualTo("11.1.3");
  }

  @Test
  void aQemuThatExitsDuringStartIsACrashWithItsStderr() throws IOException {
    Path p = fake("exits", "11.1.3", ALL, "echo 'qemu-system-x86_64: -device intel-iommu: no way' >&2; exit 1");
    QemuMachineOptions o = new QemuMachineOptions(48, true, 64L << 20, List.of(new QemuDevice("nic", 0, 1, 0, true)));
    assertThatThrownBy(() -> QemuSession.start(QemuInstallation.at(p), o, QemuSession.Listener.ACCEPT_ALL))
        .isInstanceOf(QemuCrashedException.class)
        .hasMessageContaining("QEMU exited during start")
        .hasMessageContaining("exited with status 1")
        .hasMessageContaining("qemu-system-x86_64: -device intel-iommu: no way");
    assertThat(sessionDirectories("no way")).isEmpty();
  }

  @Test
  void aQemuThatNeverConnectsTimesOutAndIsKilled() throws Exception {
    Path pidFile = tmp.resolve("pid");
    Path childFile = tmp.resolve("child");
    // the launcher and a process it started: both must go
    // a marker of this run only: another build on the machine may run this test at the same time
    String marker = "hang-marker-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path p = fake("hangs", "11.1.3", ALL, "echo $$ > " + pidFile + "; echo " + marker + " >&2; sleep 600 & echo $! > "
        + childFile + "; wait");
    QemuMachineOptions o = new QemuMachineOptions(48, true, 64L << 20, List.of(), Duration.ofSeconds(1), Duration.ofMillis(2000));
    assertThatThrownBy(() -> QemuSession.start(QemuInstallation.at(p), o, QemuSession.Listener.ACCEPT_ALL))
        .isInstanceOf(QemuTimeoutException.class)
        .hasMessageContaining("did not connect to qtest within 2000 ms; killed it");
    for (Path f : List.of(pidFile, childFile)) {
      long pid = Long.parseLong(Files.readString(f).strip());
      ProcessHandle.of(pid).ifPresent(h -> {
        try {
          h.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new AssertionError(f.getFileName() + " " + pid + " still running", e);
        }
      });
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as(f.getFileName().toString()).isFalse();
    }
    assertThat(sessionDirectories(marker)).isEmpty();
  }

  /** Session directories left behind whose QEMU stderr has {@code marker} (none may be). */
  private static List<Path> sessionDirectories(String marker) throws IOException {
    Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
    try (var s = Files.list(base)) {
      return s.filter(d -> d.getFileName().toString().startsWith("vtdsim-qemu-"))
          .filter(d -> {
            try {
              return Files.readString(d.resolve("qemu.stderr")).contains(marker);
            } catch (IOException e) {
              return false;
            }
          }).toList();
    }
  }
}
