package io.vtdsim.driver;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.Registers;

/**
 * The fault-event handler (dmar_fault, drivers/iommu/intel/dmar.c): reads and clears the primary fault
 * records, reports each as {@code driver.fault}. Called under the driver lock, from the interrupt and
 * once at boot before QI is set up (intel_iommu_init_qi clears old faults).
 */
final class FaultHandler {
  private final DriverContext ctx;

  FaultHandler(DriverContext ctx) {
    this.ctx = ctx;
  }

  /** Walks the records from FSTS.FRI, wrapping at NFR+1, until one without F; then clears PFO|PPF|PRO. */
  void handleFaults() {
    int fsts = ctx.mmio.read32(Registers.FSTS);
    if ((fsts & FaultStatus.PPF) == 0) return;
    int records = ctx.cap.nfr() + 1;
    int index = FaultStatus.fri(fsts);
    for (int n = 0; n < records; n++) {
      int off = Registers.faultRecord(ctx.cap.fro(), index);
      long hi = ctx.mmio.read64(off + FaultRecord.HI_OFFSET);
      if ((hi & FaultRecord.F) == 0) break;
      FaultRecord r = FaultRecord.decode(ctx.mmio.read64(off), hi);
      ctx.log.emit(IntelIommuDriver.SOURCE, new EventBody.DriverFault(r.sid(), r.pageAddress(), r.reason(), r.read()));
      ctx.mmio.write32(off + FaultRecord.F_DWORD_OFFSET, FaultRecord.F_IN_DWORD); // F is RW1C
      index = (index + 1) % records;
    }
    ctx.mmio.write32(Registers.FSTS, FaultStatus.PFO | FaultStatus.PPF | FaultStatus.PRO);
  }
}
