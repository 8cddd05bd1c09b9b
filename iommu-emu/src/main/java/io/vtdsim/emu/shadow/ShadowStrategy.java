package io.vtdsim.emu.shadow;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the VMM does for assigned devices, by the user-facing names of {@code machine.shadow-sync}:
 * one of the caching-mode shadow strategies (see {@link ShadowSync} for what each does), or
 * {@link #NESTED} — no shadow at all.
 */
public enum ShadowStrategy {
  /** The January 2017 RFC: PSIs walk, everything else is ignored. */
  PSI_ONLY("psi-only"),
  /** QEMU from April 2017: PSIs walk; DSI, global and context invalidations unmap all and replay. */
  UNMAP_ALL_REPLAY("unmap-all-replay"),
  /** The one QEMU implements since 2018 (63b88968f1). */
  IOVA_TREE("iova-tree"),
  /**
   * iommufd nesting instead of shadowing (QEMU's x-flts path): each assigned device behind a nested
   * HWPT on a stage 2 that maps guest RAM as it is; the guest's first-stage table is bound at PASID-
   * cache invalidations and its PASID-based IOTLB invalidations are forwarded
   * ({@code emu.nested.NestedForwarder}). A guest without a first-stage RID_PASID entry leaves the
   * device blocked.
   */
  NESTED("nested");

  /** Every user-facing name, in declaration order. */
  public static final List<String> LABELS = Arrays.stream(values()).map(ShadowStrategy::label).toList();

  private final String label;

  ShadowStrategy(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Whether this is a caching-mode shadow strategy (false for {@link #NESTED}). */
  public boolean shadows() {
    return this != NESTED;
  }

  /**
   * A fresh strategy instance (strategies keep no state, but one serves one shadow).
   *
   * @throws IllegalStateException for {@link #NESTED}, which has no shadow
   */
  public ShadowSync create() {
    if (!shadows()) throw new IllegalStateException("'" + label + "' does not shadow: it has no ShadowSync strategy");
    return ShadowSync.named(label);
  }

  /** Parses a user-facing name ("psi-only", "unmap-all-replay", "iova-tree", "nested"). */
  public static ShadowStrategy parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (ShadowStrategy s : values()) {
      if (s.label.equals(t)) return s;
    }
    throw new IllegalArgumentException(
        "unknown shadow sync strategy '" + text + "'; known: " + String.join(", ", LABELS));
  }

  @Override
  public String toString() {
    return label;
  }
}
