package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.FaultStatus;

/**
 * One of the unit's interrupt messages — the fault event (FECTL/FEDATA/FEADDR/FEUADDR, VT-d spec
 * 7.3) or the invalidation completion event (IECTL/IEDATA/IEADDR/IEUADDR, 6.5.2.8): control
 * register IM/IP handling and the MSI, as QEMU's vtd_generate_fault_event /
 * vtd_generate_completion_event.
 */
final class EventInterrupt {
  private final RegisterFile regs;
  private final int control;
  private final int data;
  private final int address;
  private final int upperAddress;
  private final MsiSink msi;
  private final EventLog log;
  private final boolean fault;

  EventInterrupt(RegisterFile regs, int control, int data, int address, int upperAddress, MsiSink msi,
      EventLog log, boolean fault) {
    this.regs = regs;
    this.control = control;
    this.data = data;
    this.address = address;
    this.upperAddress = upperAddress;
    this.msi = msi;
    this.log = log;
    this.fault = fault;
  }

  /** The condition arose: IP is set; unless IM masks it the message goes out and IP clears. */
  void raise() {
    regs.update32(control, 0, FaultStatus.IP);
    if ((regs.raw32(control) & FaultStatus.IM) == 0) deliver();
  }

  /** After software wrote the control register: clearing IM with IP set delivers now (as QEMU). */
  void controlWritten() {
    int ctl = regs.raw32(control);
    if ((ctl & FaultStatus.IP) != 0 && (ctl & FaultStatus.IM) == 0) deliver();
  }

  /** Software serviced the condition: a pending (masked) message is dropped. */
  void clearPending() {
    regs.update32(control, FaultStatus.IP, 0);
  }

  boolean pending() {
    return (regs.raw32(control) & FaultStatus.IP) != 0;
  }

  private void deliver() {
    long addr = (regs.raw32(address) & 0xFFFF_FFFFL) | ((long) regs.raw32(upperAddress) << 32);
    int value = regs.raw32(data);
    if (log.enabled()) log.emit("vtd", new EventBody.InterruptMessage(fault, addr, value));
    msi.deliver(addr, value);
    regs.update32(control, FaultStatus.IP, 0);
  }
}
