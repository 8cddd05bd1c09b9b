package io.vtdsim.harness.testbed;

import io.vtdsim.emu.spec.SourceId;

/**
 * One device of a {@link TestBed}.
 *
 * @param id the name steps and reports use
 * @param bdf its PCI requester id
 * @param assigned true: an assigned (vfio) device whose DMA goes through its own host container,
 *     shadowed from the guest tables; false: an emulated device whose DMA the VT-d unit translates
 * @param group the guest IOMMU group (null: alone); a group's devices share one domain and DID, and
 *     attach and detach act on the whole group
 */
public record DeviceConfig(String id, SourceId bdf, boolean assigned, String group) {
  /** A device alone in its IOMMU group. */
  public DeviceConfig(String id, SourceId bdf, boolean assigned) {
    this(id, bdf, assigned, null);
  }

  public DeviceConfig {
    if (id == null || id.isBlank()) throw new IllegalArgumentException("device id is required");
    if (bdf == null) throw new IllegalArgumentException("device " + id + ": bdf is required");
  }
}
