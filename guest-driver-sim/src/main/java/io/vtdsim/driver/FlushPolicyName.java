package io.vtdsim.driver;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** IOTLB flush policies, selectable on top of a preset (names are user-facing). */
public enum FlushPolicyName {
  /** The preset's own Linux behaviour. */
  LINUX("linux"),
  /** Never DSI: split a range into aligned PSIs, each with AM ≤ MAMV. */
  STRICT_PSI("strict-psi"),
  /** Every range flush is a domain-selective invalidation. */
  ALWAYS_DSI("always-dsi"),
  /** Every range flush is a global IOTLB invalidation. */
  GLOBAL("global"),
  /** Faulty: no invalidation after non-present→present under CM (IOMMU-API map before Linux 4.18). */
  NO_MAP_FLUSH("no-map-flush"),
  /** Faulty-but-safe: every PSI is sent twice. */
  DUPLICATE_PSI("duplicate-psi"),
  /** Faulty: the pre-5.18 mask for unaligned ranges (may under-invalidate). */
  UNALIGNED_UNDERSHOOT("unaligned-undershoot");

  private final String label;

  FlushPolicyName(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static FlushPolicyName parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (FlushPolicyName p : values()) {
      if (p.label.equals(t)) return p;
    }
    throw new IllegalArgumentException("unknown flush policy '" + text + "'; known: "
        + Arrays.stream(values()).map(FlushPolicyName::label).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return label;
  }
}
