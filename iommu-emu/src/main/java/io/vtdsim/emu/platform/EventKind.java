package io.vtdsim.emu.platform;

import java.util.HashMap;
import java.util.Map;

/**
 * Every event kind of the machine, the driver and the harness, declared once: the dotted name is what
 * traces, JSON and tests print ({@link Event#kind()}); the constant is what views switch on
 * ({@link Event#type()}). An event emitted under any other name is {@link #OTHER}.
 */
public enum EventKind {
  MMIO_READ("mmio.read"),
  MMIO_WRITE("mmio.write"),
  MMIO_REJECTED("mmio.rejected"),
  DESCRIPTOR("vtd.descriptor"),
  REGISTER_INVALIDATION("vtd.register-invalidation"),
  REGISTER_INVALIDATION_IGNORED("vtd.register-invalidation-ignored"),
  IQE("vtd.iqe"),
  COMMAND("vtd.command"),
  TRANSLATE("vtd.translate"),
  FAULT("vtd.fault"),
  FAULT_EVENT("vtd.fault-event"),
  COMPLETION_EVENT("vtd.completion-event"),
  WAIT_COMPLETE("vtd.wait-complete"),
  CACHE_INVALIDATE("vtd.cache-invalidate"),
  WALK("shadow.walk"),
  NOTIFY("shadow.notify"),
  SWITCH("shadow.switch"),
  HOST_MAP("host.map"),
  HOST_UNMAP("host.unmap"),
  HOST_ERROR("host.error"),
  /** A nested HWPT bound to a guest first-stage table, or unbound. */
  NESTED_BIND("host.nested-bind"),
  /** One invalidation request forwarded to a nested HWPT (IOMMU_HWPT_INVALIDATE). */
  NESTED_INVALIDATE("host.nested-invalidate"),
  DMA_OK("dma.ok"),
  DMA_FAULT("dma.fault"),
  DRIVER_CALL("driver.call"),
  DRIVER_FLUSH("driver.flush"),
  DRIVER_FAULT("driver.fault"),
  /** The scenario runner, before each step. */
  STEP("harness.step"),
  /** The scenario runner, after each step's check. */
  VERDICT("harness.verdict"),
  /** The oracle, when a lazy-mode stale window closes. */
  STALE_WINDOW("oracle.stale-window"),
  /** The oracle, when its own walk of a guest table ended early. */
  WALK_ABORTED("oracle.walk-aborted"),
  /** A kind not declared here (emitted by name). */
  OTHER("");

  private static final Map<String, EventKind> BY_NAME = new HashMap<>();

  static {
    for (EventKind k : values()) {
      if (k != OTHER) BY_NAME.put(k.name, k);
    }
  }

  private final String name;

  EventKind(String name) {
    this.name = name;
  }

  /** The dotted name ({@code mmio.write}). */
  public String label() {
    return name;
  }

  /** The kind of a dotted name; {@link #OTHER} for names not declared here. */
  public static EventKind of(String name) {
    return BY_NAME.getOrDefault(name, OTHER);
  }
}
