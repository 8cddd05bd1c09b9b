package io.vtdsim.driver.qi;

import io.vtdsim.driver.DriverTimeoutException;
import io.vtdsim.emu.platform.MmioBus;
import java.util.function.LongPredicate;

/** The driver's view of one unit's register window: MMIO accesses at base + offset, and bounded polls. */
public final class UnitMmio {
  private final MmioBus bus;
  private final long base;
  private final int waitBound;

  public UnitMmio(MmioBus bus, long base, int waitBound) {
    this.bus = bus;
    this.base = base;
    this.waitBound = waitBound;
  }

  public int read32(int offset) {
    return bus.read32(base + offset);
  }

  public long read64(int offset) {
    return bus.read64(base + offset);
  }

  public void write32(int offset, int value) {
    bus.write32(base + offset, value);
  }

  public void write64(int offset, long value) {
    bus.write64(base + offset, value);
  }

  public int waitBound() {
    return waitBound;
  }

  /**
   * Reads a 32-bit register until {@code done} holds, as Linux's IOMMU_WAIT_OP; after
   * {@link #waitBound()} reads gives up with {@link DriverTimeoutException} ("DMAR hardware is
   * malfunctioning" in Linux).
   */
  public int await32(int offset, LongPredicate done, String what) {
    for (int i = 0; i < waitBound; i++) {
      int v = read32(offset);
      if (done.test(v & 0xFFFF_FFFFL)) return v;
      Thread.onSpinWait();
    }
    throw new DriverTimeoutException("hardware did not complete " + what + " within " + waitBound + " polls");
  }

  /** As {@link #await32} for a 64-bit register. */
  public long await64(int offset, LongPredicate done, String what) {
    for (int i = 0; i < waitBound; i++) {
      long v = read64(offset);
      if (done.test(v)) return v;
      Thread.onSpinWait();
    }
    throw new DriverTimeoutException("hardware did not complete " + what + " within " + waitBound + " polls");
  }
}
