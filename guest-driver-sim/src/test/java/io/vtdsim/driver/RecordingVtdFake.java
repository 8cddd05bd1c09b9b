package io.vtdsim.driver;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextCommand;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidateAddress;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbCommand;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * TEST-ONLY stand-in for the VT-d unit: just enough register behaviour for the driver's handshakes
 * (GSTS follows GCMD; CCMD/IOTLB complete at once), queue processing that decodes descriptors with the
 * spec codec and performs wait status writes, IQE on a malformed descriptor (processing resumes from
 * IQH at the next IQT write, as QEMU), injectable fault records, and a "stalled" switch for a hardware
 * that never completes. It records every submission so tests can compare exact descriptor streams.
 */
final class RecordingVtdFake implements MmioDevice {
  private final GuestMemory memory;
  private final long cap;
  private final long ecap;
  private final Capability capability;
  private final ExtendedCapability extended;
  private int gsts;
  private long rtaddr;
  private long ccmd;
  private long iva;
  private long iotlb;
  private long iqa;
  private long iqh;
  private long iqt;
  private int fsts;
  private int fectl = FaultStatus.IM;
  private final long[] frLo;
  private final long[] frHi;
  private boolean stalled;
  private Thread hardwareThread;
  private final LinkedBlockingQueue<Long> doorbell = new LinkedBlockingQueue<>();

  /** Invalidations performed (queued or register-based), waits included, in execution order. */
  final List<InvalidationDescriptor> executed = new ArrayList<>();
  /** Descriptors fetched per IQT write (queued path). */
  final List<List<InvalidationDescriptor>> submissions = new ArrayList<>();

  RecordingVtdFake(GuestMemory memory, Capability cap, ExtendedCapability ecap) {
    this.memory = memory;
    this.capability = cap;
    this.extended = ecap;
    this.cap = cap.encode();
    this.ecap = ecap.encode();
    frLo = new long[cap.nfr() + 1];
    frHi = new long[cap.nfr() + 1];
  }

  /** QEMU 7.2 values (a Linux 6.1 guest's trace on QEMU 7.2, docs/linux-6.1-trace.md): CAP 0x00d2008c22260286 family, ECAP 0xf42. */
  static Capability qemuCap(int aw) {
    return new Capability(6, false, false, false, false, true, 0, 0, false, 0x22,
        Capability.SLLPS_2M | Capability.SLLPS_1G, true, 0, 18, true, true, false, false, false, false, false)
        .withAddressWidth(aw);
  }

  static ExtendedCapability qemuEcap() {
    return ExtendedCapability.decode(0xf42L);
  }

  synchronized void stall(boolean on) {
    stalled = on;
  }

  /** Process the queue on a separate "hardware" thread instead of inside the IQT write. */
  synchronized void startHardwareThread() {
    hardwareThread = new Thread(() -> {
      try {
        while (true) {
          doorbell.take();
          synchronized (this) {
            process();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fake-vtd-hw");
    hardwareThread.setDaemon(true);
    hardwareThread.start();
  }

  void stopHardwareThread() {
    if (hardwareThread != null) hardwareThread.interrupt();
  }

  synchronized void injectFault(int index, FaultRecord r) {
    frLo[index] = r.lo();
    frHi[index] = r.hi();
    fsts = (fsts & ~FaultStatus.FRI_MASK) | (index << FaultStatus.FRI_SHIFT);
  }

  synchronized boolean faultRecordPending(int index) {
    return (frHi[index] & FaultRecord.F) != 0;
  }

  synchronized int fsts() {
    return fsts;
  }

  @Override
  public synchronized long read(int offset, int size) {
    int fr = capability.fro() * 16;
    if (offset >= fr && offset < fr + frLo.length * 16) {
      int i = (offset - fr) / 16;
      int within = (offset - fr) % 16;
      long v = within < 8 ? frLo[i] : frHi[i];
      if (within == 12 || within == 4) v >>>= 32;
      return v;
    }
    if (offset == Registers.iva(extended.iro())) return iva;
    if (offset == Registers.iotlb(extended.iro())) return iotlb;
    return switch (offset) {
      case Registers.VER -> 0x10;
      case Registers.CAP -> cap;
      case Registers.ECAP -> ecap;
      case Registers.GSTS -> gsts & 0xFFFF_FFFFL;
      case Registers.RTADDR -> rtaddr;
      case Registers.CCMD -> ccmd;
      case Registers.FSTS -> (fsts | (anyFault() ? FaultStatus.PPF : 0)) & 0xFFFF_FFFFL;
      case Registers.FECTL -> fectl & 0xFFFF_FFFFL;
      case Registers.IQH -> iqh;
      case Registers.IQT -> iqt;
      case Registers.IQA -> iqa;
      default -> 0;
    };
  }

  private boolean anyFault() {
    for (long h : frHi) {
      if ((h & FaultRecord.F) != 0) return true;
    }
    return false;
  }

  @Override
  public synchronized void write(int offset, int size, long value) {
    int fr = capability.fro() * 16;
    if (offset >= fr && offset < fr + frLo.length * 16) {
      int i = (offset - fr) / 16;
      if ((offset - fr) % 16 == 12 && (value & (FaultRecord.F >>> 32)) != 0) frHi[i] &= ~FaultRecord.F;
      return;
    }
    if (offset == Registers.iva(extended.iro())) {
      iva = value;
      return;
    }
    if (offset == Registers.iotlb(extended.iro())) {
      IotlbCommand c = IotlbCommand.decode(value);
      InvalidateAddress a = InvalidateAddress.decode(iva);
      IotlbInvalidation.Granularity g = IotlbInvalidation.Granularity.of(c.iirg());
      executed.add(new IotlbInvalidation(g, c.dr(), c.dw(), c.did(),
          g == IotlbInvalidation.Granularity.PAGE ? a.address() : 0, g == IotlbInvalidation.Granularity.PAGE && a.ih(),
          g == IotlbInvalidation.Granularity.PAGE ? a.am() : 0));
      iotlb = new IotlbCommand(false, c.iirg(), c.iirg(), c.dr(), c.dw(), c.did()).encode();
      return;
    }
    switch (offset) {
      case Registers.GCMD -> {
        int v = (int) value;
        int persistent = GlobalCommand.TE | GlobalCommand.QIE | GlobalCommand.IRE;
        gsts = (gsts & ~persistent) | (v & persistent);
        if ((v & GlobalCommand.SRTP) != 0) gsts |= GlobalCommand.SRTP;
      }
      case Registers.RTADDR -> rtaddr = value;
      case Registers.CCMD -> {
        ContextCommand c = ContextCommand.decode(value);
        executed.add(new ContextCacheInvalidation(ContextCacheInvalidation.Granularity.of(c.cirg()), c.did(), c.sid(), c.fm()));
        ccmd = new ContextCommand(false, c.cirg(), c.cirg(), c.fm(), c.sid(), c.did()).encode();
      }
      case Registers.FSTS -> fsts &= ~((int) value & FaultStatus.W1C);
      case Registers.FECTL -> fectl = (int) value & FaultStatus.IM;
      case Registers.IQA -> iqa = value;
      case Registers.IQT -> {
        iqt = value;
        if (hardwareThread != null) {
          doorbell.add(value);
        } else {
          process();
        }
      }
      default -> { }
    }
  }

  private void process() {
    if (stalled || (gsts & GlobalCommand.QIE) == 0) return;
    List<InvalidationDescriptor> batch = new ArrayList<>();
    long base = InvalidationQueueRegisters.base(iqa);
    int entries = InvalidationQueueRegisters.entries(iqa);
    while (iqh != iqt && (fsts & FaultStatus.IQE) == 0) {
      int index = InvalidationQueueRegisters.registerToIndex(iqh, false);
      long lo = memory.read64(base + 16L * index);
      long hi = memory.read64(base + 16L * index + 8);
      InvalidationDescriptor d = InvalidationDescriptor.decode(lo, hi, false);
      if (d instanceof InvalidationDescriptor.Malformed) {
        fsts |= FaultStatus.IQE;
        break;
      }
      batch.add(d);
      executed.add(d);
      if (d instanceof InvalidationWait w && w.statusWrite()) memory.write32(w.statusAddress(), w.statusData());
      iqh = InvalidationQueueRegisters.indexToRegister((index + 1) % entries, false);
    }
    if (!batch.isEmpty()) submissions.add(batch);
  }

  @Override
  public int windowSize() {
    return 0x1000;
  }

  @Override
  public String name() {
    return "vtd";
  }
}
