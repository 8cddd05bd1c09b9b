package io.vtdsim.harness.oracle;

/** A MachineView whose TE, root pointer and capabilities a test sets (defaults: 48-bit, 2M and 1G pages, no SC). */
final class TestMachine implements MachineView {
  boolean te = true;
  long root;
  int haw = 48;
  int gaw = 48;
  boolean sp2M = true;
  boolean sp1G = true;
  boolean sc;

  TestMachine(long root) {
    this.root = root;
  }

  @Override
  public boolean translationEnabled() {
    return te;
  }

  @Override
  public long rootTableAddress() {
    return root;
  }

  @Override
  public int hostAddressWidth() {
    return haw;
  }

  @Override
  public int guestAddressWidth() {
    return gaw;
  }

  @Override
  public boolean superpage2M() {
    return sp2M;
  }

  @Override
  public boolean superpage1G() {
    return sp1G;
  }

  @Override
  public boolean snoopControl() {
    return sc;
  }
}
