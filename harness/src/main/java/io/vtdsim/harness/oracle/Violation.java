package io.vtdsim.harness.oracle;

import java.util.List;

/**
 * One broken invariant found by the oracle.
 *
 * @param kind one of {@link #KINDS}
 * @param step index of the scenario step after which it was found (0-based; -1 for the final check)
 * @param stepText the step as written, for messages
 * @param device the device id ("" when not device-specific)
 * @param iova first IOVA of the affected range
 * @param size length of the affected range in bytes (0 when not range-specific)
 * @param detail what was expected and what was found
 */
public record Violation(String kind, int step, String stepText, String device, long iova, long size, String detail) {
  public static final String STALE_MAPPING = "stale-mapping";
  public static final String MISSING_MAPPING = "missing-mapping";
  public static final String WRONG_TARGET = "wrong-target";
  public static final String WRONG_PERMISSION = "wrong-permission";
  public static final String HOST_ERROR = "host-error";
  public static final String DMA_MISMATCH = "dma-mismatch";
  public static final String UNEXPECTED_FAULT = "unexpected-fault";
  public static final String UNEXPECTED_SUCCESS = "unexpected-success";
  public static final String QUEUE_ERROR = "queue-error";
  public static final String DRIVER_TIMEOUT = "driver-timeout";

  /** Every kind, in the order reports list them. */
  public static final List<String> KINDS = List.of(STALE_MAPPING, MISSING_MAPPING, WRONG_TARGET,
      WRONG_PERMISSION, HOST_ERROR, DMA_MISMATCH, UNEXPECTED_FAULT, UNEXPECTED_SUCCESS, QUEUE_ERROR,
      DRIVER_TIMEOUT);

  public Violation {
    if (!KINDS.contains(kind)) throw new IllegalArgumentException("unknown violation kind: " + kind);
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
