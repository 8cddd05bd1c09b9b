package io.vtdsim.emu.platform;

/**
 * A {@link PageStore} for the q35 layout over one file: RAM above 4 GiB is stored after the 2 GiB
 * below the PCI hole (QEMU's "ram-below-4g" and "ram-above-4g" aliases of one memory backend).
 * {@link GuestMemory} checks every access against its regions first, so an access never spans the
 * two parts and never touches the hole.
 */
final class RelocatedStore implements PageStore {
  private final PageStore file;

  RelocatedStore(PageStore file) {
    this.file = file;
  }

  private static long offset(long gpa) {
    return Long.compareUnsigned(gpa, GuestMemory.FOUR_GIB) >= 0 ? gpa - GuestMemory.FOUR_GIB + GuestMemory.Q35_LOW_LIMIT : gpa;
  }

  @Override
  public long read(long gpa, int size) {
    return file.read(offset(gpa), size);
  }

  @Override
  public void write(long gpa, int size, long value) {
    file.write(offset(gpa), size, value);
  }

  @Override
  public void copyOut(long gpa, byte[] dst, int off, int len) {
    file.copyOut(offset(gpa), dst, off, len);
  }

  @Override
  public void copyIn(long gpa, byte[] src, int off, int len) {
    file.copyIn(offset(gpa), src, off, len);
  }

  @Override
  public void zero(long gpa, long len) {
    file.zero(offset(gpa), len);
  }

  @Override
  public int allocatedPages() {
    return file.allocatedPages();
  }
}
