package io.vtdsim.driver;

import java.util.Arrays;
import java.util.List;

/**
 * DMA direction of a streaming mapping; decides the PTE permissions (as Linux's dma_info_to_prot).
 * {@link #label} is the name scenario files use (Linux's DMA_TO_DEVICE, ... in lower case).
 */
public enum Direction {
  /** The device reads memory: R. */
  TO_DEVICE("to-device"),
  /** The device writes memory: W (≤5.10 also R when CAP.ZLR=0). */
  FROM_DEVICE("from-device"),
  /** R|W. */
  BIDIRECTIONAL("bidirectional");

  /** Every label, in declaration order. */
  public static final List<String> LABELS = Arrays.stream(values()).map(Direction::label).toList();

  private final String label;

  Direction(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The direction a label names. */
  public static Direction of(String label) {
    for (Direction d : values()) {
      if (d.label.equals(label)) return d;
    }
    throw new IllegalArgumentException("unknown DMA direction '" + label + "'; known: " + String.join(", ", LABELS));
  }

  public boolean deviceReads() {
    return this != FROM_DEVICE;
  }

  public boolean deviceWrites() {
    return this != TO_DEVICE;
  }
}
