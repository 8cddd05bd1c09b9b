package io.vtdsim.harness.scenario;

import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.oracle.Violation;
import java.util.List;

/** The fixed names a scenario file may use (docs/scenarios.md). */
public final class Vocabulary {
  private Vocabulary() {}

  public static final List<String> MACHINE_PRESETS = VtdConfig.PRESETS;
  /** The presets {@code machine.fidelity: qemu} applies to. */
  public static final List<String> QEMU_PRESETS = VtdConfig.QEMU_PRESETS;
  public static final List<String> FIDELITIES = Fidelity.NAMES;
  public static final List<Integer> AW_BITS = List.of(39, 48, 57);
  public static final List<String> SUPERPAGES = List.of("2M", "1G");
  /** The caching-mode shadow strategies (the matrix's default strategy axis). */
  public static final List<String> SHADOW_SYNCS = java.util.Arrays.stream(ShadowStrategy.values())
      .filter(ShadowStrategy::shadows).map(ShadowStrategy::label).toList();
  /** {@code machine.shadow-sync}: a shadow strategy, or {@code nested} (iommufd nesting, no shadow). */
  public static final List<String> SHADOW_SYNC_NAMES = ShadowStrategy.LABELS;
  public static final List<String> HOSTS = List.of("vfio-type1", "iommufd");
  public static final List<String> BACKENDS = List.of("model", "qemu");
  /** {@code machine.queue}: VtdConfig.QueueProcessing by its lower-case name. */
  public static final List<String> QUEUES = java.util.Arrays.stream(io.vtdsim.emu.vtd.VtdConfig.QueueProcessing.values())
      .map(q -> q.name().toLowerCase(java.util.Locale.ROOT)).toList();

  /** The queue mode named {@code name}, one of {@link #QUEUES}. */
  public static VtdConfig.QueueProcessing queue(String name) {
    if (!QUEUES.contains(name)) {
      throw new IllegalArgumentException("unknown queue mode '" + name + "'; known: " + String.join(", ", QUEUES));
    }
    return VtdConfig.QueueProcessing.valueOf(name.toUpperCase(java.util.Locale.ROOT));
  }
  /**
   * The {@code expect.per-strategy} keys: the model's shadow strategies, {@code qemu} for a run on real
   * QEMU, and {@code nested} (the model without a shadow).
   */
  public static final String QEMU_COLUMN = "qemu";
  public static final List<String> EXPECT_COLUMNS =
      List.of("psi-only", "unmap-all-replay", "iova-tree", QEMU_COLUMN, "nested");
  public static final List<String> DRIVER_PRESETS =
      List.of("linux-4.10", "linux-5.10", "linux-5.18", "linux-6.1", "linux-6.12");
  public static final List<String> FLUSH_POLICIES = List.of(
      "linux", "strict-psi", "always-dsi", "global", "no-map-flush", "duplicate-psi", "unaligned-undershoot");
  public static final List<String> DMA_MODES = List.of("strict", "lazy");
  public static final List<String> DEVICE_KINDS = List.of(DeviceSpec.ASSIGNED, DeviceSpec.EMULATED);
  public static final List<String> DIRECTIONS = List.of("to-device", "from-device", "bidirectional");
  public static final List<String> DMA_OPS = List.of("read", "write");
  /**
   * A DMA's {@code expect}: {@code ok}, {@code fault}, or {@value #LAZY_STALE} — the range was unmapped
   * in lazy DMA mode and may still be mapped in the host while it waits in the driver's flush queue (the
   * mode's accepted cost, Linux iommu.strict=0): inside such a window either outcome is right, and which
   * one it was is counted ({@code dma-stale}, {@code dma-fault}); outside one the DMA must fault.
   */
  public static final List<String> DMA_EXPECTS = List.of("ok", "fault", "lazy-stale");
  public static final String LAZY_STALE = "lazy-stale";
  public static final List<String> PERMS = List.of("r", "w", "rw");
  public static final List<String> OUTCOMES = List.of(Expect.PASS, Expect.VIOLATION);
  public static final List<String> VIOLATION_KINDS = Violation.Kind.LABELS;

  /** Guest page size: map/unmap/dma-map addresses and sizes must be multiples of it. */
  public static final long PAGE = Page.SIZE;
}
