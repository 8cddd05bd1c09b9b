package io.vtdsim.driver;

import java.util.Locale;

/** DMA-API invalidation mode: {@code strict} (flush on every unmap) or {@code lazy} (flush queue). */
public enum DmaMode {
  STRICT("strict"),
  LAZY("lazy");

  private final String label;

  DmaMode(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static DmaMode parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (DmaMode m : values()) {
      if (m.label.equals(t)) return m;
    }
    throw new IllegalArgumentException("unknown DMA mode '" + text + "'; known: strict, lazy");
  }

  @Override
  public String toString() {
    return label;
  }
}
