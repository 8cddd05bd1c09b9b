package io.vtdsim.harness.oracle;

import java.util.Arrays;
import java.util.List;

/**
 * One broken invariant found by the oracle.
 *
 * @param kind which invariant broke
 * @param step index of the scenario step after which it was found (0-based; -1 for the final check)
 * @param stepText the step as written, for messages
 * @param device the device id ("" when not device-specific)
 * @param iova first IOVA of the affected range
 * @param size length of the affected range in bytes (0 when not range-specific)
 * @param detail what was expected and what was found
 */
public record Violation(Kind kind, int step, String stepText, String device, long iova, long size, String detail) {

  /** What invariant broke; {@link #label} is the name scenario files, reports and JSON use, {@link #tag} the matrix cell's. */
  public enum Kind {
    STALE_MAPPING("stale-mapping", "STALE"),
    MISSING_MAPPING("missing-mapping", "MISSING"),
    WRONG_TARGET("wrong-target", "TARGET"),
    WRONG_PERMISSION("wrong-permission", "PERM"),
    HOST_ERROR("host-error", "HOSTERR"),
    DMA_MISMATCH("dma-mismatch", "DMA"),
    UNEXPECTED_FAULT("unexpected-fault", "FAULT"),
    UNEXPECTED_SUCCESS("unexpected-success", "NOFAULT"),
    QUEUE_ERROR("queue-error", "IQE"),
    DRIVER_TIMEOUT("driver-timeout", "TIMEOUT");

    /** Every label, in the order reports list the kinds (the declaration order). */
    public static final List<String> LABELS = Arrays.stream(values()).map(Kind::label).toList();

    private final String label;
    private final String tag;

    Kind(String label, String tag) {
      this.label = label;
      this.tag = tag;
    }

    public String label() {
      return label;
    }

    /** The short tag of a matrix cell (see {@code OutcomeTag}). */
    public String tag() {
      return tag;
    }

    /** The kind a label names. */
    public static Kind of(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) return k;
      }
      throw new IllegalArgumentException("unknown violation kind: " + label + "; known: " + String.join(", ", LABELS));
    }

    /** The label, so text that prints a kind reads as it always did. */
    @Override
    public String toString() {
      return label;
    }
  }

  public static final Kind STALE_MAPPING = Kind.STALE_MAPPING;
  public static final Kind MISSING_MAPPING = Kind.MISSING_MAPPING;
  public static final Kind WRONG_TARGET = Kind.WRONG_TARGET;
  public static final Kind WRONG_PERMISSION = Kind.WRONG_PERMISSION;
  public static final Kind HOST_ERROR = Kind.HOST_ERROR;
  public static final Kind DMA_MISMATCH = Kind.DMA_MISMATCH;
  public static final Kind UNEXPECTED_FAULT = Kind.UNEXPECTED_FAULT;
  public static final Kind UNEXPECTED_SUCCESS = Kind.UNEXPECTED_SUCCESS;
  public static final Kind QUEUE_ERROR = Kind.QUEUE_ERROR;
  public static final Kind DRIVER_TIMEOUT = Kind.DRIVER_TIMEOUT;

  public Violation {
    if (kind == null) throw new IllegalArgumentException("violation kind is required");
    stepText = stepText == null ? "" : stepText;
    device = device == null ? "" : device;
  }

  /** The same violation attributed to another step (the runner knows the step, the checker may not). */
  public Violation atStep(int index, String text) {
    return new Violation(kind, index, text, device, iova, size, detail);
  }

  @Override
  public String toString() {
    return String.format("%s at step %d (%s) device %s iova 0x%x+0x%x: %s", kind, step, stepText,
        device.isEmpty() ? "-" : device, iova, size, detail);
  }
}
