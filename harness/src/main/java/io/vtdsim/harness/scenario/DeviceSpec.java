package io.vtdsim.harness.scenario;

/**
 * One {@code devices:} entry.
 *
 * @param id the name steps use
 * @param bdf PCI address "bb:dd.f", normalized to lower-case two-digit form
 * @param kind {@code assigned} (vfio: host container shadowed from guest tables) or {@code emulated}
 *     (DMA translated by the emulated VT-d unit itself)
 */
public record DeviceSpec(String id, String bdf, String kind) {
  public static final String ASSIGNED = "assigned";
  public static final String EMULATED = "emulated";

  public boolean assigned() {
    return ASSIGNED.equals(kind);
  }
}
