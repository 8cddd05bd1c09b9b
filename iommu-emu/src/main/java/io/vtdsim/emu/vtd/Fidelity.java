package io.vtdsim.emu.vtd;

import java.util.List;
import java.util.Locale;

/**
 * How closely the unit follows a real QEMU instead of the VT-d specification: {@link #STRICT} is
 * the specification's least forgiving legal hardware (negative caching, paging-structure caches, a
 * domain-tagged IOTLB, invalidations of exactly the requested granularity), so that a guest which
 * skips an invalidation is caught; {@link #QEMU} answers as the QEMU of the machine preset's version
 * does, wherever that tolerates more. The differences are the switches of {@link UnitBehaviour}.
 */
public enum Fidelity {
  STRICT("strict"),
  QEMU("qemu");

  /** The names users type ({@code machine.fidelity}). */
  public static final List<String> NAMES = List.of(STRICT.text, QEMU.text);

  private final String text;

  Fidelity(String text) {
    this.text = text;
  }

  /** The name users type. */
  public String text() {
    return text;
  }

  /** The fidelity named {@code name} ({@code strict} or {@code qemu}, any case). */
  public static Fidelity of(String name) {
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    for (Fidelity f : values()) {
      if (f.text.equals(n)) return f;
    }
    throw new IllegalArgumentException("unknown fidelity '" + name + "'; known: " + String.join(", ", NAMES));
  }
}
