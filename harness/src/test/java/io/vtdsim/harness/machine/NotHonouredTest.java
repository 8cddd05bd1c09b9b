package io.vtdsim.harness.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.harness.testbed.TestBed;
import org.junit.jupiter.api.Test;

/** What the qemu.start event lists as not honoured, against QEMU 11.1.3's measured registers. */
class NotHonouredTest {
  // QEMU 11.1.3, intel-iommu,caching-mode=on,intremap=off,aw-bits=48 (QEMU notes, section 2)
  private static final Capability CAP = Capability.decode(0x80d2008c222f0686L);
  private static final ExtendedCapability ECAP = ExtendedCapability.decode(0xf42L);

  @Test
  void qemusOwnPresetAtQemuFidelityIsHonouredWhole() {
    var c = TestBed.builder().machine("qemu-11.1").fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(c, CAP, ECAP)).isEmpty();
  }

  @Test
  void overridesQemuHasNoPropertyForAreListed() {
    var c = TestBed.builder().machine("qemu-11.1").fidelity("qemu").psi(false).mamv(4).superpages("2M")
        .queuedInvalidation(false).negativeCaching(true).assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(c, CAP, ECAP)).containsExactly("machine.psi=false", "machine.mamv=4",
        "machine.superpages (CAP.SLLPS 1)", "machine.queued-invalidation=false", "machine.negative-caching=true");
    var strict = TestBed.builder().machine("qemu-11.1").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(strict, CAP, ECAP)).containsExactly("machine.fidelity=strict");
  }

  /** The backend starts QEMU's intel-iommu in legacy mode: a scalable-mode preset is not what QEMU runs. */
  @Test
  void aScalableModePresetIsListed() {
    var c = TestBed.builder().machine("qemu-11.1-sm").fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(c, CAP, ECAP)).contains("machine.preset=qemu-11.1-sm (ECAP.SMTS 1)");
  }
}
