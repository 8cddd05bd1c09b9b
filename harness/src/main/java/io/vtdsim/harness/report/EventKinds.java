package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.EventKind;

/** The kinds' dotted names, for code that matches names; {@link EventKind} declares them and views switch on it. */
public final class EventKinds {
  private EventKinds() {}

  public static final String MMIO_READ = EventKind.MMIO_READ.label();
  public static final String MMIO_WRITE = EventKind.MMIO_WRITE.label();
  public static final String MMIO_REJECTED = EventKind.MMIO_REJECTED.label();
  public static final String DESCRIPTOR = EventKind.DESCRIPTOR.label();
  public static final String REGISTER_INVALIDATION = EventKind.REGISTER_INVALIDATION.label();
  public static final String REGISTER_INVALIDATION_IGNORED = EventKind.REGISTER_INVALIDATION_IGNORED.label();
  public static final String IQE = EventKind.IQE.label();
  public static final String COMMAND = EventKind.COMMAND.label();
  public static final String TRANSLATE = EventKind.TRANSLATE.label();
  public static final String FAULT = EventKind.FAULT.label();
  public static final String FAULT_EVENT = EventKind.FAULT_EVENT.label();
  public static final String WAIT_COMPLETE = EventKind.WAIT_COMPLETE.label();
  public static final String CACHE_INVALIDATE = EventKind.CACHE_INVALIDATE.label();
  public static final String WALK = EventKind.WALK.label();
  public static final String NOTIFY = EventKind.NOTIFY.label();
  public static final String SWITCH = EventKind.SWITCH.label();
  public static final String HOST_MAP = EventKind.HOST_MAP.label();
  public static final String HOST_UNMAP = EventKind.HOST_UNMAP.label();
  public static final String HOST_ERROR = EventKind.HOST_ERROR.label();
  public static final String DMA_OK = EventKind.DMA_OK.label();
  public static final String DMA_FAULT = EventKind.DMA_FAULT.label();
  public static final String DRIVER_CALL = EventKind.DRIVER_CALL.label();
  public static final String DRIVER_FLUSH = EventKind.DRIVER_FLUSH.label();
  public static final String DRIVER_FAULT = EventKind.DRIVER_FAULT.label();
  /** Real QEMU started (its version, CAP, ECAP): the first event of a run on the qemu backend. */
  public static final String QEMU_START = io.vtdsim.harness.machine.QemuMachine.EV_START;
  /** Emitted by the scenario runner before each step: {index, text}. */
  public static final String STEP = EventKind.STEP.label();
  /** Emitted by the scenario runner after each step's check: {index, violations, kinds}. */
  public static final String VERDICT = EventKind.VERDICT.label();
  /**
   * Emitted by the scenario runner for a DMA declared {@code expect: lazy-stale} that fell in a
   * lazy-mode stale window: {index, device, iova, landed}.
   */
  public static final String DMA_LAZY_STALE = "harness.dma-lazy-stale";
  /**
   * Emitted by the TestBed after a dma_map_sg: the layout the driver returned {device, iova, size,
   * segments, dmaSegments, layout} (layout: the text).
   */
  public static final String DMA_SG = "harness.dma-sg";
  /** Emitted by the scenario runner after the final check: the violations never repaired {index, violations}. */
  public static final String UNREPAIRED = "harness.unrepaired";
  /**
   * Emitted by the oracle when a lazy-mode stale window closes: {device, iova, size, fromStep, toStep,
   * nanos, fromNanos, toNanos}.
   */
  public static final String STALE_WINDOW = EventKind.STALE_WINDOW.label();
}
