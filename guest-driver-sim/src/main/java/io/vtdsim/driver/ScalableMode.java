package io.vtdsim.driver;

import java.util.Locale;

/**
 * Linux's {@code intel_iommu=sm_on|sm_off} (drivers/iommu/intel/iommu.c intel_iommu_setup): whether the
 * driver uses a unit's scalable mode (ECAP.SMTS). {@code default} is the era's kernel default,
 * CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON: off in 5.10 (the option had no default), on from 5.15.
 * Eras without scalable mode (4.10) ignore it. A unit without SMTS runs legacy mode whatever is asked.
 */
public enum ScalableMode {
  DEFAULT("default"),
  ON("on"),
  OFF("off");

  private final String label;

  ScalableMode(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Whether scalable mode is wanted on an SMTS unit by a driver of era {@code preset} (intel_iommu_sm). */
  public boolean wanted(DriverPreset preset) {
    if (!preset.scalableModeSupported()) return false;
    return switch (this) {
      case ON -> true;
      case OFF -> false;
      case DEFAULT -> preset.scalableModeByDefault();
    };
  }

  public static ScalableMode parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (ScalableMode m : values()) {
      if (m.label.equals(t)) return m;
    }
    throw new IllegalArgumentException("unknown scalable mode '" + text + "'; known: default, on, off");
  }

  @Override
  public String toString() {
    return label;
  }
}
