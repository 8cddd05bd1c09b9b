package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.Registers;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of one emulated remapping unit: capability registers, MMIO base, host address width,
 * cache sizes and queue processing mode. Start from a named {@link #preset} and adjust with the
 * {@code with*} methods.
 *
 * @param cap the CAP register value the unit reports
 * @param ecap the ECAP register value the unit reports
 * @param mmioBase base of the register window
 * @param hostAddressWidth HAW: table pointers and PTE addresses are masked/checked against it (QEMU
 *     uses aw-bits)
 * @param negativeCaching with CM=1, also cache not-present/faulting translations (the spec allows it;
 *     QEMU does not model it) so that a missing invalidation after a map is observable
 * @param iotlbCapacity IOTLB entries before eviction (QEMU: 1024, cleared when full)
 * @param contextCacheCapacity context-cache entries before eviction
 * @param pagingStructureCacheCapacity paging-structure-cache entries (non-leaf PML5E/PML4E/PDPE/PDE,
 *     spec 6.2.4) before the cache is cleared; QEMU models none
 * @param queueProcessing where the invalidation queue is processed
 * @param fenceOnlyWaitAccepted whether a wait descriptor with only FN set (no IF, no SW) executes:
 *     the VT-d spec (6.5.2.8) allows it and hardware accepts it; QEMU's vtd_process_wait_desc
 *     (hw/i386/intel_iommu.c) raised IQE for it until September 2025
 */
public record VtdConfig(
    Capability cap,
    ExtendedCapability ecap,
    long mmioBase,
    int hostAddressWidth,
    boolean negativeCaching,
    int iotlbCapacity,
    int contextCacheCapacity,
    int pagingStructureCacheCapacity,
    QueueProcessing queueProcessing,
    boolean fenceOnlyWaitAccepted) {

  /** Where queued invalidations run. */
  public enum QueueProcessing {
    /** Synchronously inside the IQT write, as QEMU (deterministic default). */
    INLINE,
    /** On a hardware thread woken by IQT writes; the guest must poll for completion. */
    THREAD
  }

  /** Named presets, as users type them. */
  public static final List<String> PRESETS =
      List.of("qemu-7.2", "qemu-10.2", "bare-metal", "qemu-11.1-sm", "qemu-11.1-sm-fsts");

  /**
   * QEMU 11.1.3 {@code -device intel-iommu,caching-mode=on,intremap=off,scalable-mode=on} at aw-bits 48,
   * read over qtest ({@code readq 0xfed90008} / {@code 0xfed90010}): CAP as the legacy unit's (ESRTPS
   * set), ECAP = legacy 0xf42 plus SRS (31), SMTS (43) and SSTS (46).
   */
  public static final long QEMU_11_1_SM_CAP = 0x80d2008c222f0686L;
  public static final long QEMU_11_1_SM_ECAP = 0x0000480080000f42L;
  /** The same with {@code fsts=on}: CAP adds FS1GP (56, the fs1gp property defaults on), ECAP has FSTS (47) instead of SSTS and SRS. */
  public static final long QEMU_11_1_SM_FSTS_CAP = 0x81d2008c222f0686L;
  public static final long QEMU_11_1_SM_FSTS_ECAP = 0x0000880000000f42L;

  public VtdConfig {
    if (cap == null || ecap == null) throw new IllegalArgumentException("cap and ecap are required");
    if (hostAddressWidth < 32 || hostAddressWidth > 64) {
      throw new IllegalArgumentException("host address width out of range: " + hostAddressWidth);
    }
    if (iotlbCapacity < 1 || contextCacheCapacity < 1 || pagingStructureCacheCapacity < 1) {
      throw new IllegalArgumentException("cache capacity must be ≥ 1");
    }
    if (queueProcessing == null) throw new IllegalArgumentException("queueProcessing is required");
  }

  /** Default paging-structure-cache capacity of the presets. */
  public static final int DEFAULT_PAGING_STRUCTURE_CACHE_CAPACITY = 256;

  /** The configuration without an explicit paging-structure-cache capacity (the default one). */
  public VtdConfig(Capability cap, ExtendedCapability ecap, long mmioBase, int hostAddressWidth,
      boolean negativeCaching, int iotlbCapacity, int contextCacheCapacity, QueueProcessing queueProcessing) {
    this(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity,
        DEFAULT_PAGING_STRUCTURE_CACHE_CAPACITY, queueProcessing);
  }

  /** Without the fence-only choice: the spec's behaviour (an FN-only wait executes). */
  public VtdConfig(Capability cap, ExtendedCapability ecap, long mmioBase, int hostAddressWidth,
      boolean negativeCaching, int iotlbCapacity, int contextCacheCapacity, int pagingStructureCacheCapacity,
      QueueProcessing queueProcessing) {
    this(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity,
        pagingStructureCacheCapacity, queueProcessing, true);
  }

  /**
   * A named preset at an address width (39, 48 or 57).
   *
   * <ul>
   *   <li>{@code qemu-7.2}: {@code -device intel-iommu,caching-mode=on,intremap=off} of QEMU 7.2
   *       (CAP 0x00d2008c22260286 at aw 39, ECAP 0xf42); a fence-only wait is a queue error.
   *   <li>{@code qemu-10.2}: newer QEMU: as 7.2 plus ESRTPS (Sept 2025), MAMV 18, and fence-only
   *       waits accepted (Sept 2025).
   *   <li>{@code bare-metal}: a server-like unit with CM=0, 8 fault records, snoop control; fence-only
   *       waits accepted, as the spec.
   *   <li>{@code qemu-11.1-sm}: QEMU 11.1's {@code scalable-mode=on}: scalable-mode tables with
   *       second-stage translation (SMTS, SSTS), 256-bit descriptors; the legacy mode still works.
   *   <li>{@code qemu-11.1-sm-fsts}: QEMU 11.1's {@code scalable-mode=on,fsts=on}: first-stage
   *       translation instead (FSTS, FS1GP, 4-level only). QEMU refuses it at aw-bits 39; this preset
   *       accepts every width.
   * </ul>
   *
   * Width 57 (5-level) goes beyond QEMU, which accepts only 39 and 48.
   */
  public static VtdConfig preset(String name, int awBits) {
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    Capability qemuCap = new Capability(6, false, false, false, false, true, 0, 0, false, 0x22,
        Capability.SLLPS_2M | Capability.SLLPS_1G, true, 0, 18, true, true, false, false, false, false, false)
        .withAddressWidth(awBits);
    // ECAP 0xf42: QI, PT, IRO = 0xF (IOTLB registers at 0xF0)
    ExtendedCapability qemuEcap = new ExtendedCapability(false, true, false, false, false, true, false, 0xF, 0, false, false);
    return switch (n) {
      case "qemu-7.2" -> defaults(qemuCap, qemuEcap, awBits).withFenceOnlyWaitAccepted(false);
      case "qemu-10.2" -> defaults(qemuCap.withEsrtps(true), qemuEcap, awBits);
      case "bare-metal" -> defaults(
          qemuCap.withCm(false).withNfr(7),
          new ExtendedCapability(false, true, false, false, false, true, true, 0xF, 0, false, false),
          awBits);
      case "qemu-11.1-sm" -> defaults(Capability.decode(QEMU_11_1_SM_CAP).withAddressWidth(awBits),
          ExtendedCapability.decode(QEMU_11_1_SM_ECAP), awBits);
      case "qemu-11.1-sm-fsts" -> defaults(Capability.decode(QEMU_11_1_SM_FSTS_CAP).withAddressWidth(awBits),
          ExtendedCapability.decode(QEMU_11_1_SM_FSTS_ECAP), awBits);
      default -> throw new IllegalArgumentException(
          "unknown machine preset '" + name + "'; known: " + String.join(", ", PRESETS));
    };
  }

  /** {@code qemu-7.2} at aw-bits 48 (caching mode on). */
  public static VtdConfig qemu72() {
    return preset("qemu-7.2", 48);
  }

  private static VtdConfig defaults(Capability cap, ExtendedCapability ecap, int awBits) {
    return new VtdConfig(cap, ecap, Registers.DEFAULT_BASE, awBits, true, 1024, 256,
        DEFAULT_PAGING_STRUCTURE_CACHE_CAPACITY, QueueProcessing.INLINE);
  }

  public VtdConfig withCap(Capability c) {
    return new VtdConfig(c, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, fenceOnlyWaitAccepted);
  }

  public VtdConfig withEcap(ExtendedCapability e) {
    return new VtdConfig(cap, e, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, fenceOnlyWaitAccepted);
  }

  public VtdConfig withMmioBase(long base) {
    return new VtdConfig(cap, ecap, base, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, fenceOnlyWaitAccepted);
  }

  public VtdConfig withNegativeCaching(boolean on) {
    return new VtdConfig(cap, ecap, mmioBase, hostAddressWidth, on, iotlbCapacity, contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, fenceOnlyWaitAccepted);
  }

  public VtdConfig withIotlbCapacity(int n) {
    return new VtdConfig(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, n, contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, fenceOnlyWaitAccepted);
  }

  public VtdConfig withPagingStructureCacheCapacity(int n) {
    return new VtdConfig(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity, n, queueProcessing, fenceOnlyWaitAccepted);
  }

  public VtdConfig withQueueProcessing(QueueProcessing q) {
    return new VtdConfig(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity, pagingStructureCacheCapacity, q, fenceOnlyWaitAccepted);
  }

  public VtdConfig withFenceOnlyWaitAccepted(boolean accepted) {
    return new VtdConfig(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity,
        pagingStructureCacheCapacity, queueProcessing, accepted);
  }

  /** Address width in bits (MGAW + 1); also changes SAGAW and the host address width. */
  public VtdConfig withAddressWidth(int bits) {
    return new VtdConfig(cap.withAddressWidth(bits), ecap, mmioBase, bits, negativeCaching, iotlbCapacity, contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, fenceOnlyWaitAccepted);
  }

  /** Size of the register window: covers the IOTLB registers and every fault record. */
  public int windowSize() {
    int frEnd = cap.fro() * 16 + (cap.nfr() + 1) * 16;
    int iotlbEnd = ecap.iro() * 16 + 16;
    return Math.max(Registers.WINDOW_SIZE, Math.max(frEnd, iotlbEnd));
  }
}
