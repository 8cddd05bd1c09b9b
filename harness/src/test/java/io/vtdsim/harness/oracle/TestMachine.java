package io.vtdsim.harness.oracle;

/** A MachineView whose TE and root pointer a test sets. */
final class TestMachine implements MachineView {
  boolean te = true;
  long root;

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
    return 48;
  }

  @Override
  public int guestAddressWidth() {
    return 48;
  }

  @Override
  public boolean superpage2M() {
    return true;
  }

  @Override
  public boolean superpage1G() {
    return true;
  }

  @Override
  public boolean snoopControl() {
    return false;
  }
}
