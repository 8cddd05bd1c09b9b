package io.vtdsim.harness.qemu;

import static org.junit.jupiter.api.Assertions.fail;

import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.Registers;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate of the tests that need a real QEMU: with {@code -Dvtdsim.qemu=required} (what CI sets) a
 * missing QEMU fails them; otherwise they are skipped, saying how to install one.
 */
final class QemuTests {
  private QemuTests() {}

  static QemuInstallation installation() {
    Optional<QemuInstallation> q = QemuInstallation.find();
    if (q.isPresent()) return q.get();
    String why;
    try {
      QemuInstallation.locate();
      why = "?";
    } catch (QemuUnavailableException e) {
      why = e.getMessage();
    }
    if ("required".equals(System.getProperty("vtdsim.qemu"))) {
      fail("-Dvtdsim.qemu=required but " + why);
    }
    Assumptions.abort("needs a real QEMU (set -Dvtdsim.qemu=required to make this a failure): " + why);
    throw new AssertionError("unreachable");
  }

  /** VT-d registers of a machine as offsets from its base, over its bus (what the driver sees). */
  static MmioDevice vtdRegisters(MmioBus bus, long base) {
    return new MmioDevice() {
      @Override
      public long read(int offset, int size) {
        return bus.read(base + offset, size);
      }

      @Override
      public void write(int offset, int size, long value) {
        bus.write(base + offset, size, value);
      }

      @Override
      public int windowSize() {
        return Registers.WINDOW_SIZE;
      }

      @Override
      public String name() {
        return "vtd";
      }
    };
  }
}
