package io.vtdsim.emu.device;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;
import java.util.Optional;

/**
 * A device assigned with vfio: its DMA goes through the host IOMMU only — the container's mappings,
 * whatever the guest tables say. An unmapped IOVA or a missing permission is a host IOMMU fault
 * ({@code dma.fault}) and moves no data.
 */
public final class AssignedDevice extends PageSplitDma {
  private final HostContainer container;

  public AssignedDevice(String name, SourceId sid, HostContainer container, GuestMemory memory, EventLog log) {
    super(name, sid, memory, log);
    if (container == null) throw new IllegalArgumentException("container is required");
    this.container = container;
  }

  public HostContainer container() {
    return container;
  }

  @Override
  Translation translate(long iova, boolean write) {
    Optional<HostMapping> m = container.lookup(iova);
    if (m.isEmpty()) return Translation.fault("host IOMMU: IOVA not mapped");
    HostMapping h = m.get();
    if (write ? !h.write() : !h.read()) {
      return Translation.fault("host IOMMU: no " + (write ? "write" : "read") + " permission");
    }
    return Translation.of(h.gpa() + (iova - h.iova()));
  }
}
