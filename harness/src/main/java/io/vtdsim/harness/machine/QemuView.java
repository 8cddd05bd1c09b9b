package io.vtdsim.harness.machine;

import static io.vtdsim.harness.machine.QemuMachine.translated;

import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.harness.oracle.MachineView;
import java.util.function.BooleanSupplier;

/**
 * The oracle's facts on QEMU: TE from GSTS.TES, the root pointer and its table mode from RTADDR (VT-d
 * spec 11.4.5, 11.4.6), read over qtest without going through the guest's bus; capabilities from
 * QEMU's CAP/ECAP.
 */
final class QemuView implements MachineView {
  private final MmioDevice registers;
  private final Capability cap;
  private final ExtendedCapability ecap;
  private final int haw;
  /** What the last SRTP latched ({@link #rootScalable} of the RTADDR the guest wrote), tracked by the machine. */
  private final BooleanSupplier rootLatchedScalable;

  QemuView(MmioDevice registers, Capability cap, ExtendedCapability ecap, int haw, BooleanSupplier rootLatchedScalable) {
    this.registers = registers;
    this.rootLatchedScalable = rootLatchedScalable;
    this.cap = cap;
    this.ecap = ecap;
    this.haw = haw;
  }

  Capability cap() {
    return cap;
  }

  /** QEMU was started with {@code scalable-mode=on} (ECAP.SMTS): RTADDR.TTM = 01b then selects scalable-mode tables. */
  boolean scalableMode() {
    return ecap.smts();
  }

  @Override
  public boolean translationEnabled() {
    return (translated(() -> registers.read(Registers.GSTS, 4)) & GlobalCommand.TE) != 0;
  }

  @Override
  public long rootTableAddress() {
    return translated(() -> registers.read(Registers.RTADDR, 8)) & ~Page.OFFSET_MASK;
  }

  /**
   * Scalable when QEMU offers scalable mode and RTADDR has SMT, as hw/i386/intel_iommu.c
   * vtd_update_scalable_state ({@code root_scalable = val & VTD_RTADDR_SMT}, only if {@code
   * scalable_mode}); QEMU looks at no other TTM bit. Tracked from the guest's writes, not read over
   * qtest: the oracle asks while QEMU may be waiting for a vfio-user reply.
   */
  @Override
  public RootTableAddress.Mode rootTableMode() {
    return rootLatchedScalable.getAsBoolean() ? RootTableAddress.Mode.SCALABLE : RootTableAddress.Mode.LEGACY;
  }

  /** Whether QEMU treats the RTADDR value {@code rtaddr} as a scalable-mode root (see {@link #rootTableMode}). */
  boolean rootScalable(long rtaddr) {
    return scalableMode() && (rtaddr & RootTableAddress.SMT) != 0;
  }

  /** CAP.FS1GP: QEMU sets it with {@code fsts=on} while {@code fs1gp} is on (vtd_cap_init). */
  @Override
  public boolean firstStage1G() {
    return cap.fl1gp();
  }

  @Override
  public int hostAddressWidth() {
    return haw;
  }

  @Override
  public int guestAddressWidth() {
    return cap.guestAddressWidth();
  }

  @Override
  public boolean superpage2M() {
    return cap.supports2M();
  }

  @Override
  public boolean superpage1G() {
    return cap.supports1G();
  }

  @Override
  public boolean snoopControl() {
    return ecap.sc();
  }
}
