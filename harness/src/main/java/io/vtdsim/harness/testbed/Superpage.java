package io.vtdsim.harness.testbed;

import io.vtdsim.emu.spec.Capability;

/** A second-level superpage size a unit may support (CAP.SLLPS, VT-d spec 11.4.2), by its label. */
public enum Superpage {
  SIZE_2M("2M", Capability.SLLPS_2M),
  SIZE_1G("1G", Capability.SLLPS_1G);

  private final String label;
  private final int sllpsBit;

  Superpage(String label, int sllpsBit) {
    this.label = label;
    this.sllpsBit = sllpsBit;
  }

  public String label() {
    return label;
  }

  /** Its bit in CAP.SLLPS. */
  public int sllpsBit() {
    return sllpsBit;
  }

  /** Parses "2M" or "1G" (the normalized scenario form). */
  public static Superpage parse(String text) {
    for (Superpage s : values()) {
      if (s.label.equalsIgnoreCase(text == null ? "" : text.trim())) return s;
    }
    throw new IllegalArgumentException("superpage size must be 2M or 1G, got " + text);
  }

  @Override
  public String toString() {
    return label;
  }
}
