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

  // QEMU 11.1.3, the same with scalable-mode=on, and with scalable-mode=on,fsts=on (measured over qtest)
  private static final ExtendedCapability SM_ECAP = ExtendedCapability.decode(0x0000480080000f42L);
  private static final Capability FSTS_CAP = Capability.decode(0x81d2008c222f0686L);
  private static final ExtendedCapability FSTS_ECAP = ExtendedCapability.decode(0x0000880000000f42L);

  /** The backend starts QEMU with scalable-mode=on (and fsts=on) for the scalable-mode presets. */
  @Test
  void theScalableModePresetsAreWhatQemuRuns() {
    assertThat(QemuMachine.options(TestBed.builder().machine("qemu-11.1-sm").assigned("nic", "00:03.0").config()))
        .extracting(o -> o.scalableMode(), o -> o.firstStage()).containsExactly(true, false);
    assertThat(QemuMachine.options(TestBed.builder().machine("qemu-11.1-sm-fsts").assigned("nic", "00:03.0").config()))
        .extracting(o -> o.scalableMode(), o -> o.firstStage()).containsExactly(true, true);
    assertThat(QemuMachine.options(TestBed.builder().machine("qemu-11.1").assigned("nic", "00:03.0").config()))
        .extracting(o -> o.scalableMode(), o -> o.firstStage()).containsExactly(false, false);
    var sm = TestBed.builder().machine("qemu-11.1-sm").fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(sm, CAP, SM_ECAP)).isEmpty();
    var fsts = TestBed.builder().machine("qemu-11.1-sm-fsts").fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(fsts, FSTS_CAP, FSTS_ECAP)).isEmpty();
  }

  /**
   * The keys start QEMU as the presets do: machine.scalable-mode on qemu-11.1 is scalable-mode=on,
   * with machine.flts also fsts=on, and machine.scalable-mode: false takes a -sm preset back to legacy.
   */
  @Test
  void theScalableModeKeysAreWhatQemuRuns() {
    var sm = TestBed.builder().machine("qemu-11.1").scalableMode(true).fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.options(sm)).extracting(o -> o.scalableMode(), o -> o.firstStage()).containsExactly(true, false);
    assertThat(QemuMachine.options(sm).intelIommuProperties())
        .isEqualTo("intel-iommu,caching-mode=on,intremap=off,aw-bits=48,scalable-mode=on");
    assertThat(QemuMachine.notHonoured(sm, CAP, SM_ECAP)).isEmpty();
    var fsts = TestBed.builder().machine("qemu-11.1").scalableMode(true).flts(true).fidelity("qemu")
        .assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.options(fsts).intelIommuProperties())
        .isEqualTo("intel-iommu,caching-mode=on,intremap=off,aw-bits=48,scalable-mode=on,fsts=on");
    assertThat(QemuMachine.notHonoured(fsts, FSTS_CAP, FSTS_ECAP)).isEmpty();
    var legacy = TestBed.builder().machine("qemu-11.1-sm").scalableMode(false).assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.options(legacy)).extracting(o -> o.scalableMode(), o -> o.firstStage()).containsExactly(false, false);
    // a QEMU that came up without the mode the keys ask for names the key, not the preset
    assertThat(QemuMachine.notHonoured(fsts, CAP, SM_ECAP)).containsExactly("machine.flts=true (ECAP.FSTS 1)");
    assertThat(QemuMachine.notHonoured(sm, CAP, ECAP)).containsExactly("machine.scalable-mode=true (ECAP.SMTS 1)");
  }

  /** A QEMU whose ECAP lacks what the preset asks for (one started in legacy mode) is still reported. */
  @Test
  void aTranslationModeQemuDoesNotReportIsListed() {
    var sm = TestBed.builder().machine("qemu-11.1-sm").fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(sm, CAP, ECAP)).containsExactly("machine.preset=qemu-11.1-sm (ECAP.SMTS 1)");
    var fsts = TestBed.builder().machine("qemu-11.1-sm-fsts").fidelity("qemu").assigned("nic", "00:03.0").config();
    assertThat(QemuMachine.notHonoured(fsts, CAP, SM_ECAP)).containsExactly("machine.preset=qemu-11.1-sm-fsts (ECAP.FSTS 1)");
  }
}
