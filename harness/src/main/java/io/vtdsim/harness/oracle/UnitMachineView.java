package io.vtdsim.harness.oracle;

import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;

/** The oracle's view of a VtdUnit: TE and the latched root pointer, plus static capabilities. */
record UnitMachineView(VtdUnit unit, VtdConfig config) implements MachineView {
  @Override
  public boolean translationEnabled() {
    return unit.translationEnabled();
  }

  @Override
  public long rootTableAddress() {
    return unit.rootTableAddress();
  }

  @Override
  public int hostAddressWidth() {
    return config.hostAddressWidth();
  }

  @Override
  public int guestAddressWidth() {
    return config.cap().guestAddressWidth();
  }

  @Override
  public boolean superpage2M() {
    return config.cap().supports2M();
  }

  @Override
  public boolean superpage1G() {
    return config.cap().supports1G();
  }

  @Override
  public boolean snoopControl() {
    return config.ecap().sc();
  }

  @Override
  public RootTableAddress.Mode rootTableMode() {
    return unit.rootTableMode();
  }

  @Override
  public boolean firstStage1G() {
    return config.cap().fl1gp();
  }
}
