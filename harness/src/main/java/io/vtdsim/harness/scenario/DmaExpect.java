package io.vtdsim.harness.scenario;

import java.util.Arrays;
import java.util.List;

/**
 * A {@code dma} step's expectation; {@link #label} is the scenario's name. {@link #LAZY_STALE}: the
 * range was unmapped in lazy DMA mode and may still be mapped in the host while it waits in the
 * driver's flush queue (the mode's accepted cost, Linux iommu.strict=0): inside such a window either
 * outcome is right, and which one it was is counted ({@code dma-stale}, {@code dma-fault}); outside
 * one the DMA must fault.
 */
public enum DmaExpect {
  OK("ok"),
  FAULT("fault"),
  LAZY_STALE("lazy-stale");

  /** Every label, in declaration order. */
  public static final List<String> LABELS = Arrays.stream(values()).map(DmaExpect::label).toList();

  private final String label;

  DmaExpect(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The expectation a label names. */
  public static DmaExpect of(String label) {
    for (DmaExpect e : values()) {
      if (e.label.equals(label)) return e;
    }
    throw new IllegalArgumentException("unknown DMA expectation '" + label + "'; known: " + String.join(", ", LABELS));
  }

  /** The label, so text that prints one reads as it always did. */
  @Override
  public String toString() {
    return label;
  }
}
