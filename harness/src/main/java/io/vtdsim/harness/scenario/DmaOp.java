package io.vtdsim.harness.scenario;

import java.util.Arrays;
import java.util.List;

/** A {@code dma} step's access: the device reads or writes memory; {@link #label} is the scenario's name. */
public enum DmaOp {
  READ("read"),
  WRITE("write");

  /** Every label, in declaration order. */
  public static final List<String> LABELS = Arrays.stream(values()).map(DmaOp::label).toList();

  private final String label;

  DmaOp(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public boolean write() {
    return this == WRITE;
  }

  /** The access a label names. */
  public static DmaOp of(String label) {
    for (DmaOp o : values()) {
      if (o.label.equals(label)) return o;
    }
    throw new IllegalArgumentException("unknown DMA op '" + label + "'; known: " + String.join(", ", LABELS));
  }

  /** The label, so text that prints one reads as it always did. */
  @Override
  public String toString() {
    return label;
  }
}
