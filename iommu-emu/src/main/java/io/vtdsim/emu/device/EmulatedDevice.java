package io.vtdsim.emu.device;

import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.TranslationResult;
import io.vtdsim.emu.vtd.VtdUnit;

/**
 * A device emulated by the VMM: its DMA goes through the VT-d unit's translate path (IOTLB and
 * context cache included, so a missing invalidation is observable). Faults are recorded by the unit
 * in its fault registers (unless FPD suppresses them); the device reports {@code dma.fault} too.
 */
public final class EmulatedDevice extends PageSplitDma {
  private final VtdUnit unit;

  public EmulatedDevice(String name, SourceId sid, VtdUnit unit, GuestMemory memory, EventLog log) {
    super(name, sid, memory, log);
    if (unit == null) throw new IllegalArgumentException("unit is required");
    this.unit = unit;
  }

  /** {@link io.vtdsim.emu.vtd.UnitBehaviour#partialDmaBeforeFault} of the unit. */
  @Override
  boolean movesPagesBeforeFault() {
    return unit.config().behaviour().partialDmaBeforeFault();
  }

  @Override
  Translation translate(long iova, boolean write) {
    TranslationResult r = unit.translate(sid().sid(), iova, write);
    if (!r.ok()) return Translation.fault("DMA remapping fault " + r.fault());
    return Translation.of(r.address());
  }
}
