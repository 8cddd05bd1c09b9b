package io.vtdsim.emu.host;

import java.util.Locale;

/** Which kernel interface the host container follows. Names are user-facing. */
public enum HostSemantics {
  /**
   * Linux VFIO_TYPE1v2_IOMMU ({@code vfio_dma_do_map/unmap}): MAP over any existing mapping → EEXIST;
   * MAP with dma_entry_limit mappings held → ENOSPC; UNMAP that would cut a mapping in two → EINVAL,
   * nothing removed; UNMAP covering nothing → success, size 0.
   */
  VFIO_TYPE1("vfio-type1"),
  /**
   * Linux iommufd IOAS ({@code iopt_map_pages/iopt_unmap_iova_range}): MAP over an existing area →
   * EEXIST; MAP beyond the locked-memory limit → ENOMEM; UNMAP walks the areas in the range in IOVA
   * order, removing each, and stops with ENOENT at the first one that reaches outside the range (the
   * ones before it stay removed); UNMAP of nothing → ENOENT.
   */
  IOMMUFD("iommufd");

  private final String label;

  HostSemantics(String label) {
    this.label = label;
  }

  /** The user-facing name. */
  public String label() {
    return label;
  }

  /** Parses a user-facing name ("vfio-type1", "iommufd"). */
  public static HostSemantics parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (HostSemantics s : values()) {
      if (s.label.equals(t)) return s;
    }
    throw new IllegalArgumentException("unknown host semantics '" + text + "'; known: vfio-type1, iommufd");
  }

  @Override
  public String toString() {
    return label;
  }
}
