package io.vtdsim.emu.shadow;

import java.util.Locale;

/** The shadow strategies by their user-facing names (see {@link ShadowSync} for what each does). */
public enum ShadowStrategy {
  PSI_ONLY("psi-only"),
  UNMAP_ALL_REPLAY("unmap-all-replay"),
  /** The one QEMU implements since 2018 (63b88968f1). */
  IOVA_TREE("iova-tree");

  private final String label;

  ShadowStrategy(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** A fresh strategy instance (strategies keep no state, but one serves one shadow). */
  public ShadowSync create() {
    return ShadowSync.named(label);
  }

  /** Parses a user-facing name ("psi-only", "unmap-all-replay", "iova-tree"). */
  public static ShadowStrategy parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (ShadowStrategy s : values()) {
      if (s.label.equals(t)) return s;
    }
    throw new IllegalArgumentException(
        "unknown shadow sync strategy '" + text + "'; known: " + String.join(", ", ShadowSync.NAMES));
  }

  @Override
  public String toString() {
    return label;
  }
}
