package io.vtdsim.harness.oracle;

/**
 * In lazy DMA mode, a period during which an unmapped IOVA range stayed mapped in a host container
 * while it waited in the driver's flush queue (tolerated; reported).
 *
 * @param device the device id
 * @param iova first IOVA of the range
 * @param size bytes
 * @param fromStep first step after which it was seen stale
 * @param toStep first step after which it was gone (-1 while still open)
 * @param fromNanos simulated time when first seen
 * @param toNanos simulated time when seen gone (-1 while open)
 */
public record StaleWindow(String device, long iova, long size, int fromStep, int toStep, long fromNanos, long toNanos) {
  /** Length in simulated time (-1 while open). */
  public long nanos() {
    return toNanos < 0 ? -1 : toNanos - fromNanos;
  }
}
