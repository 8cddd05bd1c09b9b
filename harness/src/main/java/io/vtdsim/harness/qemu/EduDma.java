package io.vtdsim.harness.qemu;

import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.Registers;

/**
 * DMA of an emulated device through QEMU's {@code edu} device (hw/misc/edu.c, docs/specs/edu.rst),
 * which translates through QEMU's own VT-d unit (IOTLB included, so stale entries are real).
 *
 * <p>edu moves data only between guest memory and its 4 KiB internal buffer, and its buffer is
 * reachable only by DMA; so a transfer can tell whether VT-d let it through — a new fault in FSTS
 * (edu ignores the DMA error itself) — but can not hand the bytes to the host. A read therefore
 * returns no data, and a write writes what the buffer holds: what the last read brought in (the
 * harness stages a write as a read of the same bytes first; {@code QemuEduDevice}).
 */
final class EduDma {
  static final long BAR_SIZE = 1L << 20; // edu-mmio, 1 MiB
  static final long ID = 0x010000EDL; // identification register: version 1.0, "ed"
  static final int VENDOR_DEVICE = 0x11E8_1234;
  static final long BUFFER = 0x40000; // DMA_START
  static final int BUFFER_SIZE = 4096; // DMA_SIZE
  private static final int REG_ID = 0x00;
  private static final int REG_SRC = 0x80;
  private static final int REG_DST = 0x88;
  private static final int REG_COUNT = 0x90;
  private static final int REG_CMD = 0x98;
  private static final long CMD_RUN = 0x1;
  private static final long CMD_TO_RAM = 0x2; // direction 1: edu to RAM (docs/specs/edu.rst)
  private static final long TIMER_NS = 100_000_000L; // edu starts the transfer 100 ms (virtual) after CMD_RUN
  private static final int ENODEV = 19;

  private final QtestClient qtest;
  private final QemuDevice device;
  private final long bar;
  private boolean enabled;

  EduDma(QtestClient qtest, QemuDevice device, long bar) {
    this.qtest = qtest;
    this.device = device;
    this.bar = bar;
  }

  /** Reads {@code len} bytes at {@code iova} into edu's buffer: ok unless VT-d recorded a fault; never any data. */
  synchronized DmaAccess read(long iova, int len) {
    return transfer(iova, len, false);
  }

  /** Writes the first {@code len} bytes of edu's buffer at {@code iova}: ok unless VT-d recorded a fault. */
  synchronized DmaAccess writeBuffer(long iova, int len) {
    return transfer(iova, len, true);
  }

  private DmaAccess transfer(long iova, int len, boolean toRam) {
    if (len <= 0 || len > BUFFER_SIZE) {
      throw new IllegalArgumentException("an emulated (edu) device transfers 1 byte to 4 KiB at a time, not " + len);
    }
    enable();
    long before = fsts();
    if ((before & FaultStatus.PPF) != 0) {
      // QEMU drops new faults while one is pending (vtd_try_collapse_fault), so the outcome could not be seen
      throw new QemuException("a fault is still pending (FSTS=" + FaultStatus.describe((int) before)
          + "), so whether QEMU blocks an emulated (edu) device's DMA can not be observed; clear the fault first");
    }
    qtest.writeq(bar + REG_SRC, toRam ? BUFFER : iova);
    qtest.writeq(bar + REG_DST, toRam ? iova : BUFFER);
    qtest.writeq(bar + REG_COUNT, len);
    qtest.writeq(bar + REG_CMD, CMD_RUN | (toRam ? CMD_TO_RAM : 0));
    for (int i = 0; i < 4 && (qtest.readq(bar + REG_CMD) & CMD_RUN) != 0; i++) qtest.clockStep(TIMER_NS);
    if ((qtest.readq(bar + REG_CMD) & CMD_RUN) != 0) throw new QemuException("edu DMA of " + device.id() + " did not complete");
    long after = fsts();
    boolean faulted = (after & ~before & (FaultStatus.PPF | FaultStatus.PFO)) != 0;
    return faulted ? DmaAccess.failure(ENODEV) : DmaAccess.success(new byte[0]);
  }

  private long fsts() {
    return qtest.readl(QemuSession.VTD_BASE + Registers.FSTS);
  }

  /** BAR0 at {@code bar}, memory decoding and bus mastering on (PCI command register bits 1 and 2). */
  void enable() {
    if (enabled) return;
    int b = device.bus(), d = device.device(), f = device.function();
    long id = qtest.pciConfigRead32(b, d, f, 0x00);
    if (id != VENDOR_DEVICE) throw new QemuException(String.format("no edu device at %s (config 0x%08x)", device.bdf(), id));
    qtest.pciConfigWrite32(b, d, f, 0x10, bar);
    long cmd = qtest.pciConfigRead32(b, d, f, QemuSession.PCI_COMMAND) & 0xFFFF;
    qtest.pciConfigWrite32(b, d, f, QemuSession.PCI_COMMAND, cmd | QemuSession.PCI_COMMAND_MEMORY | QemuSession.PCI_COMMAND_MASTER);
    long reg = qtest.readl(bar + REG_ID);
    if (reg != ID) throw new QemuException(String.format("edu of %s at BAR 0x%x reads identification 0x%x", device.id(), bar, reg));
    enabled = true;
  }
}
