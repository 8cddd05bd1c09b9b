package io.vtdsim.harness.machine;

import static io.vtdsim.harness.machine.QemuMachine.translated;

import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.qemu.DmaAccess;
import io.vtdsim.harness.qemu.QemuSession;

/**
 * An emulated device on QEMU: QEMU's edu at the device's BDF, DMAing through QEMU's VT-d translation.
 * edu can read guest memory into its buffer but not hand the bytes over, and writes only what its
 * buffer holds, so a write is staged ({@link BufferedDmaDevice}). A fault is read back from FSTS/FRCD (VT-d spec 10.4.9, 10.4.14) and signalled to
 * the driver as QEMU's fault event would be (FEADDR/FEDATA unless FECTL.IM), since no guest CPU
 * receives QEMU's MSI under qtest.
 */
final class QemuEduDevice implements BufferedDmaDevice {
  private final String name;
  private final SourceId sid;
  private final QemuSession session;
  private final Capability cap;
  private final EventLog log;
  private final MsiSink msi;

  QemuEduDevice(String name, SourceId sid, QemuSession session, Capability cap, EventLog log, MsiSink msi) {
    this.name = name;
    this.sid = sid;
    this.session = session;
    this.cap = cap;
    this.log = log;
    this.msi = msi;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public SourceId sid() {
    return sid;
  }

  @Override
  public StagedWrite writeThroughBuffer(long iova, int length, Runnable beforeWriteBack) {
    boolean staged = translated(() -> session.dmaRead(name, iova, length)).ok();
    if (staged) {
      if (beforeWriteBack != null) beforeWriteBack.run();
    } else {
      // the staging read's fault is no DMA of the scenario: drop its record before the write (FRCD.F is RW1C)
      dropFaultRecord();
    }
    return new StagedWrite(outcome(translated(() -> session.eduWriteBuffer(name, length, iova)), "write", iova, length),
        staged);
  }

  private void dropFaultRecord() {
    MmioDevice regs = session.vtdRegisters();
    int fsts = fsts(regs);
    if ((fsts & FaultStatus.PPF) == 0) return;
    int offset = Registers.faultRecord(cap.fro(), FaultStatus.fri(fsts)) + FaultRecord.F_DWORD_OFFSET;
    translated(() -> {
      regs.write(offset, 4, FaultRecord.F_IN_DWORD & 0xFFFF_FFFFL); // as Linux's dmar_fault clears it
      return null;
    });
  }

  @Override
  public DmaResult read(long iova, int length) {
    return outcome(translated(() -> session.dmaRead(name, iova, length)), "read", iova, length);
  }

  /** The transfer's event and result: ok, or the fault QEMU recorded for it. */
  private DmaResult outcome(DmaAccess a, String op, long iova, int length) {
    if (a.ok()) {
      log.emit(DmaDevice.OK, name, null, Attrs.of("device", name, "op", op, "iova", iova, "length", length));
      return DmaResult.success(null);
    }
    String reason = faultRecord();
    log.emit(DmaDevice.FAULT, name, op + " 0x" + Long.toHexString(iova) + ": " + reason,
        Attrs.of("device", name, "op", op, "iova", iova, "reason", reason));
    return DmaResult.fault(iova, reason);
  }

  private static int fsts(MmioDevice regs) {
    return (int) (long) translated(() -> regs.read(Registers.FSTS, 4));
  }

  /** FSTS and the pending FRCD as QEMU recorded them ({@value QemuMachine#EV_FAULT}); then the fault event. */
  private String faultRecord() {
    MmioDevice regs = session.vtdRegisters();
    int fsts = fsts(regs);
    if ((fsts & FaultStatus.PPF) == 0) return "QEMU's VT-d refused it (FSTS " + FaultStatus.describe(fsts) + ")";
    int fri = FaultStatus.fri(fsts);
    int offset = Registers.faultRecord(cap.fro(), fri);
    long lo = translated(() -> regs.read(offset, 8));
    long hi = translated(() -> regs.read(offset + FaultRecord.HI_OFFSET, 8));
    FaultRecord r = FaultRecord.decode(lo, hi);
    log.emit(QemuMachine.EV_FAULT, QemuMachine.SOURCE, String.format("FRCD[%d]: sid %s reason 0x%x page 0x%x", fri,
            SourceId.of(r.sid()), r.reason(), r.pageAddress()),
        Attrs.of("device", name, "index", fri, "sid", r.sid(), "reason", r.reason(), "iova", r.pageAddress(),
            "read", r.read()));
    int fectl = (int) (long) translated(() -> regs.read(Registers.FECTL, 4));
    if ((fectl & FaultStatus.IM) == 0) {
      long addr = translated(() -> regs.read(Registers.FEADDR, 4)) | translated(() -> regs.read(Registers.FEUADDR, 4)) << 32;
      int data = (int) (long) translated(() -> regs.read(Registers.FEDATA, 4));
      msi.deliver(addr, data);
    }
    return String.format("VT-d fault reason 0x%x (FRCD[%d] of QEMU)", r.reason(), fri);
  }
}
