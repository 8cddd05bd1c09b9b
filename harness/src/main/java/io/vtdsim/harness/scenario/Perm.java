package io.vtdsim.harness.scenario;

import java.util.Arrays;
import java.util.List;

/** A {@code map} step's permission; {@link #label} is the name scenario files use. */
public enum Perm {
  R("r", true, false),
  W("w", false, true),
  RW("rw", true, true);

  /** Every label, in declaration order. */
  public static final List<String> LABELS = Arrays.stream(values()).map(Perm::label).toList();

  private final String label;
  private final boolean read;
  private final boolean write;

  Perm(String label, boolean read, boolean write) {
    this.label = label;
    this.read = read;
    this.write = write;
  }

  public String label() {
    return label;
  }

  public boolean read() {
    return read;
  }

  public boolean write() {
    return write;
  }

  /** The permission a label names. */
  public static Perm of(String label) {
    for (Perm p : values()) {
      if (p.label.equals(label)) return p;
    }
    throw new IllegalArgumentException("unknown permission '" + label + "'; known: " + String.join(", ", LABELS));
  }

  /** The label, so text that prints one reads as it always did. */
  @Override
  public String toString() {
    return label;
  }
}
