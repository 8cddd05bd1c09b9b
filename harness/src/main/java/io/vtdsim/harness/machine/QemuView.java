package io.vtdsim.harness.machine;

import static io.vtdsim.harness.machine.QemuMachine.translated;

import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.harness.oracle.MachineView;

/**
 * The oracle's facts on QEMU: TE from GSTS.TES and the root pointer from RTADDR (VT-d spec 10.4.5,
 * 10.4.6), read over qtest without going through the guest's bus; capabilities from QEMU's CAP/ECAP.
 */
final class QemuView implements MachineView {
  private final MmioDevice registers;
  private final Capability cap;
  private final ExtendedCapability ecap;
  private final int haw;

  QemuView(MmioDevice registers, Capability cap, ExtendedCapability ecap, int haw) {
    this.registers = registers;
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
