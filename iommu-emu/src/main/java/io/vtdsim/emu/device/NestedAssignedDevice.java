package io.vtdsim.emu.device;

import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;

/**
 * A device assigned with iommufd nesting: its DMA goes through its {@link NestedHwpt} only — the host
 * IOTLB first (stale entries included, until a forwarded invalidation drops them), else the guest's
 * stage 1 composed with the VMM's stage 2. An unbound HWPT blocks every access; a fault moves no data
 * ({@code dma.fault}).
 */
public final class NestedAssignedDevice extends PageSplitDma {
  private final NestedHwpt hwpt;

  public NestedAssignedDevice(String name, SourceId sid, NestedHwpt hwpt, GuestMemory memory, EventLog log) {
    super(name, sid, memory, log);
    if (hwpt == null) throw new IllegalArgumentException("hwpt is required");
    this.hwpt = hwpt;
  }

  public NestedHwpt hwpt() {
    return hwpt;
  }

  @Override
  Translation translate(long iova, boolean write) {
    NestedHwpt.Access a = hwpt.access(iova, write);
    if (!a.ok()) return Translation.fault("host IOMMU (nested): fault " + a.fault());
    return Translation.of(a.address());
  }
}
