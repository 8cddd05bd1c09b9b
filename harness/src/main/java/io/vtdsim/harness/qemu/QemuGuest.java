package io.vtdsim.harness.qemu;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.testing.TableBuilder;

/**
 * A minimal guest for the backend's own tests and benchmark (the real guest is the driver
 * simulator), programming VT-d the way Linux's intel-iommu does (legacy mode): root and context tables and second-level tables in guest RAM, a 128-bit invalidation queue
 * with a status-write wait descriptor after every batch, then TE. Everything goes through the
 * session's {@link QemuSession#memory()} and {@link QemuSession#vtdRegisters()}.
 */
final class QemuGuest {
  static final long QUEUE = 0x480000;
  static final long STATUS = 0x481000;
  static final int QUEUE_ENTRIES = 256; // IQA.QS = 0
  /** GSTS bits a GCMD write must repeat to keep them (the one-shot commands are not among them). */
  private static final int PERSISTENT = GlobalCommand.TE | GlobalCommand.QIE | GlobalCommand.IRE | GlobalCommand.CFI | GlobalCommand.EAFL;

  final GuestMemory mem;
  final MmioDevice regs;
  final TableBuilder tables;
  final int levels;
  private int tail;

  QemuGuest(QemuSession s, int awBits) {
    this.mem = s.memory();
    this.regs = s.vtdRegisters();
    this.tables = new TableBuilder(mem, 0x400000);
    this.levels = awBits == 48 ? 4 : 3;
  }

  int agaw() {
    return levels - 2;
  }

  /** Root table, QI, global context-cache and IOTLB invalidation (TE still off). */
  void bringUp() {
    regs.write(Registers.RTADDR, 8, tables.rootTable());
    command(GlobalCommand.SRTP, true);
    mem.zero(QUEUE, Page.SIZE);
    regs.write(Registers.IQA, 8, InvalidationQueueRegisters.iqa(QUEUE, false, 0));
    regs.write(Registers.IQT, 8, 0);
    tail = 0;
    command(GlobalCommand.QIE, true);
    submit(new long[] {ContextCacheInvalidation.global().lo(), ContextCacheInvalidation.global().hi()},
        new long[] {IotlbInvalidation.global(false, false).lo(), IotlbInvalidation.global(false, false).hi()});
  }

  void translation(boolean on) {
    command(GlobalCommand.TE, on);
  }

  /** Sets or clears a GCMD bit and waits (bounded) for GSTS to follow. */
  void command(int bit, boolean on) {
    int sts = (int) regs.read(Registers.GSTS, 4) & PERSISTENT;
    regs.write(Registers.GCMD, 4, on ? sts | bit : sts & ~bit);
    for (int i = 0; i < 100; i++) {
      if ((((int) regs.read(Registers.GSTS, 4) & bit) != 0) == on) return;
    }
    throw new IllegalStateException("GSTS did not follow GCMD bit 0x" + Integer.toHexString(bit));
  }

  void psi(int did, long iova, int am) {
    IotlbInvalidation d = IotlbInvalidation.page(did, iova, am, false, false, false);
    submit(new long[] {d.lo(), d.hi()});
  }

  void dsi(int did) {
    IotlbInvalidation d = IotlbInvalidation.domain(did, false, false);
    submit(new long[] {d.lo(), d.hi()});
  }

  void contextInvalidateDevice(int did, int sid) {
    ContextCacheInvalidation d = ContextCacheInvalidation.device(did, sid, 0);
    submit(new long[] {d.lo(), d.hi()});
  }

  /** Writes the descriptors and a status-write wait, moves IQT, and checks the wait's status write. */
  void submit(long[]... descriptors) {
    mem.write32(STATUS, 0);
    InvalidationWait w = InvalidationWait.statusWrite(1, STATUS);
    for (long[] d : descriptors) put(d[0], d[1]);
    put(w.lo(), w.hi());
    regs.write(Registers.IQT, 8, InvalidationQueueRegisters.indexToRegister(tail, false));
    int st = mem.read32(STATUS);
    if (st != 1) {
      throw new IllegalStateException("wait descriptor not completed: status " + st + ", FSTS 0x"
          + Long.toHexString(regs.read(Registers.FSTS, 4)));
    }
  }

  private void put(long lo, long hi) {
    long a = InvalidationQueueRegisters.descriptorAddress(QUEUE, tail, false);
    mem.write64(a, lo);
    mem.write64(a + 8, hi);
    tail = (tail + 1) % QUEUE_ENTRIES;
  }
}
