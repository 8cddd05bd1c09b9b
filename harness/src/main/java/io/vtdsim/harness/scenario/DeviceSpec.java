package io.vtdsim.harness.scenario;

/**
 * One {@code devices:} entry.
 *
 * @param id the name steps use
 * @param bdf PCI address "bb:dd.f", normalized to lower-case two-digit form
 * @param kind {@code assigned} (vfio: host container shadowed from guest tables) or {@code emulated}
 *     (DMA translated by the emulated VT-d unit itself)
 * @param group the guest IOMMU group (null: the device alone); devices of one group share one domain
 *     and one DID, and attach and detach act on the whole group
 */
public record DeviceSpec(String id, String bdf, String kind, String group) {
  public static final String ASSIGNED = "assigned";
  public static final String EMULATED = "emulated";

  /** A device in no IOMMU group of its own choosing (alone in its group). */
  public DeviceSpec(String id, String bdf, String kind) {
    this(id, bdf, kind, null);
  }

  public DeviceSpec withGroup(String g) {
    return new DeviceSpec(id, bdf, kind, g);
  }

  public boolean assigned() {
    return ASSIGNED.equals(kind);
  }
}
