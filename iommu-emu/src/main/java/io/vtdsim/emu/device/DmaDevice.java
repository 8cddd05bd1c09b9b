package io.vtdsim.emu.device;

import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.spec.SourceId;

/** A bus master that issues DMA with its source-id. */
public interface DmaDevice {
  /** Event kind of a completed request. */
  String OK = EventKind.DMA_OK.label();
  /** Event kind of a request that faulted (nothing moved). */
  String FAULT = EventKind.DMA_FAULT.label();

  String name();

  SourceId sid();

  /** Writes {@code data} at {@code iova}; all or nothing. */
  DmaResult write(long iova, byte[] data);

  /** Reads {@code length} bytes at {@code iova}; all or nothing. */
  DmaResult read(long iova, int length);
}
