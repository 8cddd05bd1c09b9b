package io.vtdsim.harness.report;

import io.vtdsim.harness.oracle.MappingOracle;

/** The event kinds the reports understand (CONTRACTS.md event vocabulary) plus the harness's step marker. */
public final class EventKinds {
  private EventKinds() {}

  public static final String MMIO_READ = "mmio.read";
  public static final String MMIO_WRITE = "mmio.write";
  public static final String MMIO_REJECTED = "mmio.rejected";
  public static final String DESCRIPTOR = "vtd.descriptor";
  public static final String REGISTER_INVALIDATION = "vtd.register-invalidation";
  public static final String REGISTER_INVALIDATION_IGNORED = "vtd.register-invalidation-ignored";
  public static final String IQE = "vtd.iqe";
  public static final String COMMAND = "vtd.command";
  public static final String TRANSLATE = "vtd.translate";
  public static final String FAULT = "vtd.fault";
  public static final String FAULT_EVENT = "vtd.fault-event";
  public static final String WAIT_COMPLETE = "vtd.wait-complete";
  public static final String CACHE_INVALIDATE = "vtd.cache-invalidate";
  public static final String WALK = "shadow.walk";
  public static final String NOTIFY = "shadow.notify";
  public static final String SWITCH = "shadow.switch";
  public static final String HOST_MAP = "host.map";
  public static final String HOST_UNMAP = "host.unmap";
  public static final String HOST_ERROR = "host.error";
  public static final String DMA_OK = "dma.ok";
  public static final String DMA_FAULT = "dma.fault";
  public static final String DRIVER_CALL = "driver.call";
  public static final String DRIVER_FLUSH = "driver.flush";
  public static final String DRIVER_FAULT = "driver.fault";
  /** Real QEMU started (its version, CAP, ECAP): the first event of a run on the qemu backend. */
  public static final String QEMU_START = io.vtdsim.harness.machine.QemuMachine.EV_START;
  /** Emitted by the scenario runner before each step: {index, text}. */
  public static final String STEP = "harness.step";
  /** Emitted by the scenario runner after each step's check: {index, violations, kinds}. */
  public static final String VERDICT = "harness.verdict";
  /**
   * Emitted by the oracle when a lazy-mode stale window closes: {device, iova, size, fromStep, toStep,
   * nanos, fromNanos, toNanos}.
   */
  public static final String STALE_WINDOW = MappingOracle.EV_STALE_WINDOW;
}
