package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.RegisterMasks;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RequestType;

/**
 * Primary fault logging (VT-d spec 7.1.1, 11.4.14): NFR+1 fault-recording registers at CAP.FRO×16,
 * FSTS.PPF/PFO/FRI and the fault event, with QEMU's compression and overflow rules
 * (vtd_report_frcd_fault).
 */
final class FaultRecorder {
  static final String EV_FAULT = EventKind.FAULT.label();

  /** What happened to a reported fault. */
  enum Outcome {
    RECORDED("recorded"),
    /** PFO already set: the new fault is dropped. */
    OVERFLOW_PENDING("dropped: PFO set"),
    /** A pending record with the same source-id exists (as QEMU's vtd_try_collapse_fault). */
    COMPRESSED("dropped: compressed"),
    /** The next record is still pending: PFO is set and the fault dropped. */
    OVERFLOW("dropped: overflow, PFO set"),
    /** Qualified fault with FPD=1 in the context entry. */
    SUPPRESSED("suppressed by FPD");

    final String text;

    Outcome(String text) {
      this.text = text;
    }
  }

  private final RegisterFile regs;
  private final int fro;
  private final int records;
  /** ECAP.DT: FRCD.AT records the request's address type; RsvdZ (0) without device-TLB support. */
  private final boolean recordsAddressType;
  /** {@link UnitBehaviour#pasidAllOnesInWalkFaults}. */
  private final boolean pasidAllOnesInWalkFaults;
  private final EventInterrupt faultEvent;
  private final EventLog log;
  private int next;

  FaultRecorder(RegisterFile regs, int fro, int nfr, boolean deviceTlb, boolean pasidAllOnesInWalkFaults,
      EventInterrupt faultEvent, EventLog log) {
    this.pasidAllOnesInWalkFaults = pasidAllOnesInWalkFaults;
    this.regs = regs;
    this.fro = fro;
    this.records = nfr + 1;
    this.recordsAddressType = deviceTlb;
    this.faultEvent = faultEvent;
    this.log = log;
  }

  /** Defines the fault-recording registers (reset: all zero, F is RW1C). */
  void defineRegisters() {
    for (int i = 0; i < records; i++) {
      int off = Registers.faultRecord(fro, i);
      regs.define64(off, 0, 0, 0);
      regs.define64(off + 8, 0, 0, RegisterMasks.FRCD_HI_W1C);
    }
  }

  void reset() {
    next = 0;
  }

  /** TE cleared: QEMU restarts recording at the first register. */
  void restartIndex() {
    next = 0;
  }

  boolean coversOffset(int offset, int size) {
    int start = Registers.faultRecord(fro, 0);
    int end = Registers.faultRecord(fro, records);
    return offset < end && offset + size > start;
  }

  Outcome report(int sid, long addr, FaultReason reason, boolean read) {
    return report(sid, addr, reason, read, RequestType.UNTRANSLATED);
  }

  /** A fault of a request of {@code type}, whose AT the record carries on a unit with ECAP.DT. */
  Outcome report(int sid, long addr, FaultReason reason, boolean read, RequestType type) {
    int fsts = regs.raw32(Registers.FSTS);
    Outcome outcome;
    if ((fsts & FaultStatus.PFO) != 0) {
      outcome = Outcome.OVERFLOW_PENDING;
    } else if (pendingRecordFor(sid)) {
      outcome = Outcome.COMPRESSED;
    } else if (isPending(next)) {
      regs.update32(Registers.FSTS, 0, FaultStatus.PFO);
      outcome = Outcome.OVERFLOW;
    } else {
      FaultRecord rec = new FaultRecord(addr, sid, reason.code(), read, true,
          recordsAddressType ? type.addressType() : 0,
          pasidAllOnesInWalkFaults && foundByTheWalk(reason) ? FaultRecord.QEMU_NO_PASID : 0);
      int off = Registers.faultRecord(fro, next);
      regs.setRaw(off, 8, rec.lo());
      regs.setRaw(off + 8, 8, rec.hi());
      int index = next;
      next = (next + 1) % records;
      if ((fsts & FaultStatus.PPF) == 0) {
        regs.update32(Registers.FSTS, FaultStatus.FRI_MASK, index << FaultStatus.FRI_SHIFT);
      }
      updatePpf();
      outcome = Outcome.RECORDED;
      emit(sid, addr, reason, read, type, outcome);
      raiseFaultEvent(fsts);
      return outcome;
    }
    emit(sid, addr, reason, read, type, outcome);
    return outcome;
  }

  /**
   * Faults found after the context-entry lookup, by the address-width check or the second-level walk
   * (QEMU 7.2 reports these through the call in vtd_do_iommu_translate that passes the PASID).
   */
  private static boolean foundByTheWalk(FaultReason reason) {
    return switch (reason) {
      case ADDRESS_BEYOND_MGAW, WRITE_DENIED, READ_DENIED, PAGING_ENTRY_UNREADABLE, PAGING_ENTRY_RESERVED,
          INTERRUPT_ADDRESS -> true;
      default -> false;
    };
  }

  /** A qualified fault FPD suppressed: logged only. */
  void suppressed(int sid, long addr, FaultReason reason, boolean read) {
    suppressed(sid, addr, reason, read, RequestType.UNTRANSLATED);
  }

  void suppressed(int sid, long addr, FaultReason reason, boolean read, RequestType type) {
    emit(sid, addr, reason, read, type, Outcome.SUPPRESSED);
  }

  /** FSTS.PPF is set while any record has F=1 (11.4.10). */
  void updatePpf() {
    boolean any = false;
    for (int i = 0; i < records; i++) any |= isPending(i);
    regs.update32(Registers.FSTS, FaultStatus.PPF, any ? FaultStatus.PPF : 0);
  }

  /**
   * Raises the fault event unless an earlier condition (PPF, PFO, IQE in {@code previousFsts}) is
   * still waiting for software, as QEMU's vtd_generate_fault_event.
   */
  void raiseFaultEvent(int previousFsts) {
    if ((previousFsts & RegisterMasks.FSTS_BLOCKS_FAULT_EVENT) != 0) return;
    faultEvent.raise();
  }

  private boolean isPending(int index) {
    return (regs.raw64(Registers.faultRecord(fro, index) + 8) & FaultRecord.F) != 0;
  }

  private boolean pendingRecordFor(int sid) {
    for (int i = 0; i < records; i++) {
      int off = Registers.faultRecord(fro, i);
      if (isPending(i) && FaultRecord.decode(regs.raw64(off), regs.raw64(off + 8)).sid() == sid) return true;
    }
    return false;
  }

  private void emit(int sid, long addr, FaultReason reason, boolean read, RequestType type, Outcome outcome) {
    log.emit("vtd", new EventBody.Fault(sid, addr, reason, read, outcome == Outcome.RECORDED, outcome.name(),
        outcome.text, type));
  }

}
