package io.vtdsim.harness.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.harness.qemu.QemuInstallation;
import io.vtdsim.harness.testbed.TestBed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A QEMU that refuses the machine at its start (as QEMU 11.1 refuses fsts=on at aw-bits 39, or a
 * QEMU without the fsts property) is a MachineException (exit 2 in the CLI) naming the keys and
 * quoting QEMU, not an emulator crash. A fake launcher (a shell script) stands in for QEMU.
 */
class QemuStartRefusedTest {
  @TempDir Path tmp;

  private Path refusingQemu(String stderr) throws IOException {
    Path p = tmp.resolve("qemu");
    Files.writeString(p, "#!/bin/sh\n"
        + "case \"$1\" in --version) echo 'QEMU emulator version 11.1.3 (fake)'; exit 0;; esac\n"
        + "case \"$*\" in *'-device help'*) printf '%s\\n' 'name \"intel-iommu\", bus System'"
        + " 'name \"vfio-user-pci\", bus PCI' 'name \"edu\", bus PCI'; exit 0;; esac\n"
        + "echo '" + stderr + "' >&2; exit 1\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void aRefusedFirstStageMachineNamesItsKeysAndQuotesQemu() throws IOException {
    String qemu = "qemu-system-x86_64: -device intel-iommu,caching-mode=on,intremap=off,aw-bits=48,scalable-mode=on,fsts=on:"
        + " Property intel-iommu.fsts not found";
    var config = TestBed.builder().backend("qemu").machine("qemu-11.1-sm-fsts").fidelity("qemu").ram(64L << 20)
        .assigned("nic", "00:01.0").config();
    assertThatThrownBy(() -> QemuMachine.start(config, new EventLog(new Clock()), MsiSink.NONE,
        QemuInstallation.at(refusingQemu(qemu))))
        .isExactlyInstanceOf(MachineException.class)
        .hasMessageStartingWith("machine.preset=qemu-11.1-sm-fsts (scalable-mode=on,fsts=on: machine.scalable-mode,"
            + " machine.flts), machine.aw-bits=48: QEMU did not start -device"
            + " intel-iommu,caching-mode=on,intremap=off,aw-bits=48,scalable-mode=on,fsts=on: QEMU exited during start")
        .hasMessageContaining("exited with status 1")
        .hasMessageContaining(qemu);
  }

  @Test
  void aRefusedLegacyMachineNamesThePresetAndWidth() throws IOException {
    var config = TestBed.builder().backend("qemu").machine("qemu-11.1").ram(64L << 20).config();
    assertThatThrownBy(() -> QemuMachine.start(config, new EventLog(new Clock()), MsiSink.NONE,
        QemuInstallation.at(refusingQemu("qemu-system-x86_64: no"))))
        .isExactlyInstanceOf(MachineException.class)
        .hasMessageStartingWith("machine.preset=qemu-11.1, machine.aw-bits=48: QEMU did not start -device"
            + " intel-iommu,caching-mode=on,intremap=off,aw-bits=48: ");
  }
}
