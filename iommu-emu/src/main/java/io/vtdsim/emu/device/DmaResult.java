package io.vtdsim.emu.device;

/**
 * Outcome of one DMA request.
 *
 * @param ok true when every byte moved
 * @param data the bytes read (reads that succeeded); null otherwise
 * @param faultIova the IOVA of the page that faulted (meaningful when not ok)
 * @param detail why it faulted (null when ok)
 */
public record DmaResult(boolean ok, byte[] data, long faultIova, String detail) {
  public static DmaResult success(byte[] data) {
    return new DmaResult(true, data, 0, null);
  }

  public static DmaResult fault(long iova, String detail) {
    return new DmaResult(false, null, iova, detail);
  }
}
