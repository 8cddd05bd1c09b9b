package io.vtdsim.harness.qemu;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import io.vtdsim.emu.testing.TableBuilder;

/**
 * A minimal guest for the backend's own tests and benchmark (the real guest is the driver
 * simulator), programming VT-d the way Linux's intel-iommu does: root and context tables and
 * second-level tables in guest RAM, an invalidation queue with a status-write wait descriptor after
 * every batch, then TE. In legacy mode the queue holds 128-bit descriptors; in scalable mode
 * ({@link #scalable}) RTADDR carries TTM = 01b (SMT), the tables are scalable-mode ones
 * ({@link #smTables}: root, context, PASID directory and table; second-stage tables from the same
 * pool in {@link #tables}) and the queue holds 256-bit descriptors (IQA.DW = 1), as Linux's
 * intel_iommu with sm_on. Everything goes through the session's {@link QemuSession#memory()} and
 * {@link QemuSession#vtdRegisters()}.
 */
final class QemuGuest {
  static final long QUEUE = 0x480000;
  static final long STATUS = 0x481000;
  /** GSTS bits a GCMD write must repeat to keep them (the one-shot commands are not among them). */
  private static final int PERSISTENT = GlobalCommand.TE | GlobalCommand.QIE | GlobalCommand.IRE | GlobalCommand.CFI | GlobalCommand.EAFL;
  private static final long TABLE_POOL = 0x400000;

  final GuestMemory mem;
  final MmioDevice regs;
  /** Legacy tables, or in scalable mode the second-stage tables drawn from {@link #smTables}' pool. */
  final TableBuilder tables;
  /** The scalable-mode tables (null in legacy mode). */
  final ScalableTableBuilder smTables;
  final boolean scalable;
  final int levels;
  private final int queueEntries;
  private int tail;

  /** A legacy-mode guest. */
  QemuGuest(QemuSession s, int awBits) {
    this(s, awBits, false);
  }

  QemuGuest(QemuSession s, int awBits, boolean scalable) {
    this(s.memory(), s.vtdRegisters(), awBits, scalable);
  }

  /** A guest of any machine: its RAM and VT-d registers (offsets from the unit's base). */
  QemuGuest(GuestMemory mem, MmioDevice regs, int awBits, boolean scalable) {
    this.mem = mem;
    this.regs = regs;
    this.scalable = scalable;
    this.smTables = scalable ? new ScalableTableBuilder(mem, TABLE_POOL) : null;
    this.tables = scalable ? smTables.secondStage() : new TableBuilder(mem, TABLE_POOL);
    this.levels = awBits == 48 ? 4 : 3;
    this.queueEntries = InvalidationQueueRegisters.entries(InvalidationQueueRegisters.iqa(QUEUE, scalable, 0));
  }

  int agaw() {
    return levels - 2;
  }

  /**
   * In Linux's order (init_dmars: intel_iommu_init_qi, then iommu_set_root_entry): the queue (IQT 0,
   * IQA with DW in scalable mode as __dmar_enable_qi, QIE), then the root table (TTM 01b in scalable
   * mode) and SRTP, then global context-cache (in scalable mode PASID-cache) and IOTLB invalidation.
   * TE stays off.
   */
  void bringUp() {
    mem.zero(QUEUE, Page.SIZE);
    regs.write(Registers.IQT, 8, 0);
    tail = 0;
    regs.write(Registers.IQA, 8, InvalidationQueueRegisters.iqa(QUEUE, scalable, 0));
    command(GlobalCommand.QIE, true);
    long root = scalable ? smTables.rootTable() : tables.rootTable();
    regs.write(Registers.RTADDR, 8, new RootTableAddress(root,
        scalable ? RootTableAddress.Mode.SCALABLE : RootTableAddress.Mode.LEGACY).encode());
    command(GlobalCommand.SRTP, true);
    long[] cc = {ContextCacheInvalidation.global().lo(), ContextCacheInvalidation.global().hi()};
    long[] iotlb = {IotlbInvalidation.global(false, false).lo(), IotlbInvalidation.global(false, false).hi()};
    if (scalable) {
      submit(cc, new long[] {PasidCacheInvalidation.global().lo(), PasidCacheInvalidation.global().hi()}, iotlb);
    } else {
      submit(cc, iotlb);
    }
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

  /** PASID-cache invalidation of (DID, PASID) (256-bit queues only). */
  void pasidCacheInvalidate(int did, int pasid) {
    PasidCacheInvalidation d = PasidCacheInvalidation.pasid(did, pasid);
    submit(new long[] {d.lo(), d.hi()});
  }

  /** PASID-based IOTLB invalidation of every mapping of (DID, PASID) (256-bit queues only). */
  void pasidInvalidate(int did, int pasid) {
    PasidIotlbInvalidation d = PasidIotlbInvalidation.pasid(did, pasid);
    submit(new long[] {d.lo(), d.hi()});
  }

  /** PASID-based IOTLB invalidation of 2^am pages at {@code iova} in (DID, PASID) (256-bit queues only). */
  void pasidPsi(int did, int pasid, long iova, int am) {
    PasidIotlbInvalidation d = PasidIotlbInvalidation.page(did, pasid, iova, am, false);
    submit(new long[] {d.lo(), d.hi()});
  }

  /** Writes the descriptors and a status-write wait, moves IQT, and checks the wait's status write. */
  void submit(long[]... descriptors) {
    mem.write32(STATUS, 0);
    InvalidationWait w = InvalidationWait.statusWrite(1, STATUS);
    for (long[] d : descriptors) put(d[0], d[1]);
    put(w.lo(), w.hi());
    regs.write(Registers.IQT, 8, InvalidationQueueRegisters.indexToRegister(tail, scalable));
    int st = mem.read32(STATUS);
    if (st != 1) {
      throw new IllegalStateException("wait descriptor not completed: status " + st + ", FSTS 0x"
          + Long.toHexString(regs.read(Registers.FSTS, 4)));
    }
  }

  /** One descriptor at the tail; a 256-bit one has its upper 128 bits zero (every type used here defines only Q0, Q1). */
  private void put(long lo, long hi) {
    long a = InvalidationQueueRegisters.descriptorAddress(QUEUE, tail, scalable);
    mem.write64(a, lo);
    mem.write64(a + 8, hi);
    if (scalable) {
      mem.write64(a + 16, 0);
      mem.write64(a + 24, 0);
    }
    tail = (tail + 1) % queueEntries;
  }
}
