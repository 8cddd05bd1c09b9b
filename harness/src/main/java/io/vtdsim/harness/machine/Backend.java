package io.vtdsim.harness.machine;

import java.util.Locale;

/** What stands behind the guest driver's MMIO and memory ({@code machine.backend}). */
public enum Backend {
  /** The emulated VT-d unit, caching-mode shadow and host containers of this project. */
  MODEL("model"),
  /** Real QEMU (q35, intel-iommu, vfio-user-pci / edu) driven over qtest. */
  QEMU("qemu");

  private final String label;

  Backend(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Parses a user-facing name ("model", "qemu"). */
  public static Backend parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (Backend b : values()) {
      if (b.label.equals(t)) return b;
    }
    throw new IllegalArgumentException("unknown machine backend '" + text + "'; known: model, qemu");
  }

  @Override
  public String toString() {
    return label;
  }
}
