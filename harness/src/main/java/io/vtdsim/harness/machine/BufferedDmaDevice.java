package io.vtdsim.harness.machine;

import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.device.DmaResult;

/**
 * A DMA master that writes only what it has read (QEMU's edu: its 4 KiB buffer is reachable by DMA
 * alone). A write of chosen bytes is staged: the harness plants them where the write should land,
 * the device reads them from the same IOVA into its buffer, the harness then overwrites the planted
 * bytes, and the device writes its buffer back — so the bytes are found there again only if the
 * write went through the intended translation.
 */
public interface BufferedDmaDevice extends DmaDevice {
  /**
   * Writes {@code length} bytes at {@code iova} through the buffer: reads them from {@code iova},
   * runs {@code beforeWriteBack} when that read went through, then writes the buffer back to {@code iova}.
   */
  StagedWrite writeThroughBuffer(long iova, int length, Runnable beforeWriteBack);

  /**
   * @param result the write's own outcome (a fault is the write's, not the staging read's)
   * @param staged true when the buffer held the bytes read at {@code iova}, so the harness may
   *     check them; false when the staging read was refused (a write-only mapping): the write then
   *     carried whatever the buffer held before
   */
  record StagedWrite(DmaResult result, boolean staged) {}

  /**
   * Refused: such a device can not write bytes handed to it. {@code TestBed.dma} (and a scenario's
   * {@code dma} step) stage the write with {@link #writeThroughBuffer}.
   *
   * @throws IllegalArgumentException always, naming the device and the call to use
   */
  @Override
  default DmaResult write(long iova, byte[] data) {
    throw new IllegalArgumentException("device " + name() + " writes only what it has read (QEMU's edu): a write of"
        + " chosen bytes is staged with writeThroughBuffer, as TestBed.dma does");
  }
}
