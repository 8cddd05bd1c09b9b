package io.vtdsim.emu.vtd;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of one emulated remapping unit: capability registers, MMIO base, host address width,
 * cache sizes and queue processing mode. Start from a named {@link #preset} and adjust with
 * {@link #toBuilder} (or a {@code with*} shorthand for one component).
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
 * @param behaviour where the unit follows a real QEMU rather than the specification (see
 *     {@link UnitBehaviour}; the presets derive it from their {@link Fidelity} and QEMU version)
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
    UnitBehaviour behaviour) {

  /** Where queued invalidations run. */
  public enum QueueProcessing {
    /** Synchronously inside the IQT write, as QEMU (deterministic default). */
    INLINE,
    /** On a hardware thread woken by IQT writes; the guest must poll for completion. */
    THREAD
  }

  /**
   * Named presets, as users type them; {@code qemu-10.2} is another name for {@code qemu-11.1}
   * (the same registers and behaviour: QEMU 10.2 already has ESRTPS and fence-only waits).
   */
  public static final List<String> PRESETS =
      List.of("qemu-7.2", "qemu-11.1", "qemu-10.2", "bare-metal", "qemu-11.1-sm", "qemu-11.1-sm-fsts");

  /** The presets {@link Fidelity#QEMU} applies to: the ones that are a QEMU version. */
  public static final List<String> QEMU_PRESETS =
      List.of("qemu-7.2", "qemu-11.1", "qemu-10.2", "qemu-11.1-sm", "qemu-11.1-sm-fsts");

  public VtdConfig {
    if (cap == null || ecap == null) throw new IllegalArgumentException("cap and ecap are required");
    if (hostAddressWidth < 32 || hostAddressWidth > 64) {
      throw new IllegalArgumentException("host address width out of range: " + hostAddressWidth);
    }
    if (iotlbCapacity < 1 || contextCacheCapacity < 1 || pagingStructureCacheCapacity < 1) {
      throw new IllegalArgumentException("cache capacity must be ≥ 1");
    }
    if (queueProcessing == null) throw new IllegalArgumentException("queueProcessing is required");
    if (behaviour == null) throw new IllegalArgumentException("behaviour is required");
  }

  /** Default paging-structure-cache capacity of the presets. */
  public static final int DEFAULT_PAGING_STRUCTURE_CACHE_CAPACITY = 256;

  /** The configuration without an explicit paging-structure-cache capacity (the default one). */
  public VtdConfig(Capability cap, ExtendedCapability ecap, long mmioBase, int hostAddressWidth,
      boolean negativeCaching, int iotlbCapacity, int contextCacheCapacity, QueueProcessing queueProcessing) {
    this(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity,
        DEFAULT_PAGING_STRUCTURE_CACHE_CAPACITY, queueProcessing);
  }

  /** With the specification's behaviour ({@link UnitBehaviour#STRICT}). */
  public VtdConfig(Capability cap, ExtendedCapability ecap, long mmioBase, int hostAddressWidth,
      boolean negativeCaching, int iotlbCapacity, int contextCacheCapacity, int pagingStructureCacheCapacity,
      QueueProcessing queueProcessing) {
    this(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity, contextCacheCapacity,
        pagingStructureCacheCapacity, queueProcessing, UnitBehaviour.STRICT);
  }

  /** CAP of QEMU 7.2's {@code -device intel-iommu,caching-mode=on,intremap=off}, aw-bits 39 and 48. */
  static final long QEMU_7_2_CAP_AW39 = 0x00d2008c22260286L;
  static final long QEMU_7_2_CAP_AW48 = 0x00d2008c222f0686L;
  /** The same device of QEMU 11.1.3 (measured): as 7.2 plus CAP bit 63, ESRTPS. */
  static final long QEMU_11_1_CAP_AW39 = 0x80d2008c22260286L;
  static final long QEMU_11_1_CAP_AW48 = 0x80d2008c222f0686L;
  /** ECAP of both: QI, PT, IRO = 0xF (IOTLB registers at 0xF0). VER reads 0x10. */
  static final long QEMU_ECAP = 0xf42L;
  /** A server-like unit: CM=0, NFR 7 (8 fault records), otherwise as QEMU's CAP; ECAP adds SC. */
  static final long BARE_METAL_CAP_AW39 = 0x00d2078c22260206L;
  static final long BARE_METAL_CAP_AW48 = 0x00d2078c222f0606L;
  static final long BARE_METAL_ECAP = 0xfc2L;
  /**
   * QEMU 11.1.3 with {@code scalable-mode=on} (measured over qtest, aw-bits 39 and 48): CAP as
   * {@code qemu-11.1}'s, ECAP = 0xf42 plus SRS (31), SMTS (43) and SSTS (46).
   */
  static final long QEMU_11_1_SM_ECAP = 0x0000480080000f42L;
  /**
   * The same with {@code fsts=on} (aw-bits 48 only: QEMU refuses 39): CAP adds FS1GP (bit 56, the
   * fs1gp property defaults on), ECAP has FSTS (47) instead of SSTS and SRS.
   */
  static final long QEMU_11_1_SM_FSTS_CAP_AW48 = 0x81d2008c222f0686L;
  static final long QEMU_11_1_SM_FSTS_ECAP = 0x0000880000000f42L;

  /** A named preset at an address width (39, 48 or 57), strict ({@link Fidelity#STRICT}). */
  public static VtdConfig preset(String name, int awBits) {
    return preset(name, awBits, Fidelity.STRICT);
  }

  /**
   * A named preset at an address width (39, 48 or 57) and fidelity, built from the register values
   * the real device reports (decoded with {@link Capability#decode}); width 57 (5-level) goes
   * beyond QEMU, which accepts only 39 and 48, and is the 48-bit value widened.
   *
   * <ul>
   *   <li>{@code qemu-7.2}: {@code -device intel-iommu,caching-mode=on,intremap=off} of QEMU 7.2
   *       (CAP 0x00d2008c22260286 at aw 39, ECAP 0xf42); a fence-only wait is a queue error.
   *   <li>{@code qemu-11.1} (also {@code qemu-10.2}): the same device of QEMU 11.1.3: CAP bit 63
   *       ESRTPS (SRTP invalidates the caches itself, September 2025) and fence-only waits accepted.
   *   <li>{@code bare-metal}: a server-like unit with CM=0, 8 fault records, snoop control; fence-only
   *       waits accepted, as the spec. It is no QEMU: {@link Fidelity#QEMU} does not apply.
   *   <li>{@code qemu-11.1-sm}: QEMU 11.1's {@code scalable-mode=on}: scalable-mode tables with
   *       second-stage translation (SMTS, SSTS), 256-bit descriptors; legacy mode still works.
   *   <li>{@code qemu-11.1-sm-fsts}: QEMU 11.1's {@code scalable-mode=on,fsts=on}: first-stage
   *       translation instead (FSTS, FS1GP, 4-level only). QEMU refuses it at aw-bits 39; this preset
   *       accepts every width (the 48-bit CAP narrowed or widened).
   * </ul>
   *
   * Under {@link Fidelity#STRICT} the unit behaves as {@link UnitBehaviour#STRICT} (with the
   * version's fence-only rule) with negative caching; under {@link Fidelity#QEMU} as that QEMU
   * version ({@link UnitBehaviour#QEMU_7_2}, {@link UnitBehaviour#QEMU_11_1}) without it.
   */
  public static VtdConfig preset(String name, int awBits, Fidelity fidelity) {
    if (fidelity == null) throw new IllegalArgumentException("fidelity is required");
    String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
    boolean qemu = fidelity == Fidelity.QEMU;
    return switch (n) {
      case "qemu-7.2" -> defaults(capAt(QEMU_7_2_CAP_AW39, QEMU_7_2_CAP_AW48, awBits), QEMU_ECAP, awBits, fidelity,
          qemu ? UnitBehaviour.QEMU_7_2 : UnitBehaviour.STRICT.withFenceOnlyWaitAccepted(false));
      case "qemu-11.1", "qemu-10.2" -> defaults(capAt(QEMU_11_1_CAP_AW39, QEMU_11_1_CAP_AW48, awBits), QEMU_ECAP,
          awBits, fidelity, qemu ? UnitBehaviour.QEMU_11_1 : UnitBehaviour.STRICT);
      case "bare-metal" -> {
        if (qemu) {
          throw new IllegalArgumentException("fidelity qemu needs a QEMU preset (" + String.join(", ", QEMU_PRESETS)
              + "); bare-metal is no QEMU");
        }
        yield defaults(capAt(BARE_METAL_CAP_AW39, BARE_METAL_CAP_AW48, awBits), BARE_METAL_ECAP, awBits, fidelity,
            UnitBehaviour.STRICT);
      }
      case "qemu-11.1-sm" -> defaults(capAt(QEMU_11_1_CAP_AW39, QEMU_11_1_CAP_AW48, awBits), QEMU_11_1_SM_ECAP,
          awBits, fidelity, qemu ? UnitBehaviour.QEMU_11_1 : UnitBehaviour.STRICT);
      case "qemu-11.1-sm-fsts" -> defaults(Capability.decode(QEMU_11_1_SM_FSTS_CAP_AW48).withAddressWidth(awBits),
          QEMU_11_1_SM_FSTS_ECAP, awBits, fidelity, qemu ? UnitBehaviour.QEMU_11_1 : UnitBehaviour.STRICT);
      default -> throw new IllegalArgumentException(
          "unknown machine preset '" + name + "'; known: " + String.join(", ", PRESETS));
    };
  }

  private static Capability capAt(long aw39, long aw48, int awBits) {
    return switch (awBits) {
      case 39 -> Capability.decode(aw39);
      case 48 -> Capability.decode(aw48);
      default -> Capability.decode(aw48).withAddressWidth(awBits);
    };
  }

  /** {@code qemu-7.2} at aw-bits 48 (caching mode on). */
  public static VtdConfig qemu72() {
    return preset("qemu-7.2", 48);
  }

  /**
   * QEMU's IOTLB size (VTD_IOTLB_MAX_SIZE 1024); negative caching under strict fidelity only (QEMU
   * caches successful translations only).
   */
  private static VtdConfig defaults(Capability cap, long ecap, int awBits, Fidelity fidelity, UnitBehaviour behaviour) {
    boolean negativeCaching = fidelity == Fidelity.STRICT;
    return new VtdConfig(cap, ExtendedCapability.decode(ecap), Registers.DEFAULT_BASE, awBits, negativeCaching, 1024,
        256, DEFAULT_PAGING_STRUCTURE_CACHE_CAPACITY, QueueProcessing.INLINE, behaviour);
  }

  /** Whether a wait descriptor with only FN set executes ({@link UnitBehaviour#fenceOnlyWaitAccepted}). */
  public boolean fenceOnlyWaitAccepted() {
    return behaviour.fenceOnlyWaitAccepted();
  }

  /** A builder starting from this configuration: the one place that lists every component. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Sets components one by one; {@link #build} validates as the constructor does. */
  public static final class Builder {
    private Capability cap;
    private ExtendedCapability ecap;
    private long mmioBase;
    private int hostAddressWidth;
    private boolean negativeCaching;
    private int iotlbCapacity;
    private int contextCacheCapacity;
    private int pagingStructureCacheCapacity;
    private QueueProcessing queueProcessing;
    private UnitBehaviour behaviour;

    private Builder(VtdConfig c) {
      cap = c.cap;
      ecap = c.ecap;
      mmioBase = c.mmioBase;
      hostAddressWidth = c.hostAddressWidth;
      negativeCaching = c.negativeCaching;
      iotlbCapacity = c.iotlbCapacity;
      contextCacheCapacity = c.contextCacheCapacity;
      pagingStructureCacheCapacity = c.pagingStructureCacheCapacity;
      queueProcessing = c.queueProcessing;
      behaviour = c.behaviour;
    }

    public Builder cap(Capability v) {
      cap = v;
      return this;
    }

    public Builder ecap(ExtendedCapability v) {
      ecap = v;
      return this;
    }

    public Builder mmioBase(long v) {
      mmioBase = v;
      return this;
    }

    public Builder hostAddressWidth(int v) {
      hostAddressWidth = v;
      return this;
    }

    public Builder negativeCaching(boolean v) {
      negativeCaching = v;
      return this;
    }

    public Builder iotlbCapacity(int v) {
      iotlbCapacity = v;
      return this;
    }

    public Builder contextCacheCapacity(int v) {
      contextCacheCapacity = v;
      return this;
    }

    public Builder pagingStructureCacheCapacity(int v) {
      pagingStructureCacheCapacity = v;
      return this;
    }

    public Builder queueProcessing(QueueProcessing v) {
      queueProcessing = v;
      return this;
    }

    public Builder behaviour(UnitBehaviour v) {
      behaviour = v;
      return this;
    }

    public VtdConfig build() {
      return new VtdConfig(cap, ecap, mmioBase, hostAddressWidth, negativeCaching, iotlbCapacity,
          contextCacheCapacity, pagingStructureCacheCapacity, queueProcessing, behaviour);
    }
  }

  // The single-component changes tests and the harness use, each through the builder.

  public VtdConfig withCap(Capability c) {
    return toBuilder().cap(c).build();
  }

  public VtdConfig withEcap(ExtendedCapability e) {
    return toBuilder().ecap(e).build();
  }

  public VtdConfig withMmioBase(long base) {
    return toBuilder().mmioBase(base).build();
  }

  public VtdConfig withNegativeCaching(boolean on) {
    return toBuilder().negativeCaching(on).build();
  }

  public VtdConfig withIotlbCapacity(int n) {
    return toBuilder().iotlbCapacity(n).build();
  }

  public VtdConfig withPagingStructureCacheCapacity(int n) {
    return toBuilder().pagingStructureCacheCapacity(n).build();
  }

  public VtdConfig withQueueProcessing(QueueProcessing q) {
    return toBuilder().queueProcessing(q).build();
  }

  public VtdConfig withFenceOnlyWaitAccepted(boolean accepted) {
    return toBuilder().behaviour(behaviour.withFenceOnlyWaitAccepted(accepted)).build();
  }

  /** Address width in bits (MGAW + 1); also changes SAGAW and the host address width. */
  public VtdConfig withAddressWidth(int bits) {
    return toBuilder().cap(cap.withAddressWidth(bits)).hostAddressWidth(bits).build();
  }

  /**
   * Size of the MMIO window: the registers (up to the IOTLB registers and the last fault record), or
   * the whole 4 KiB page with {@link UnitBehaviour#zeroBeyondRegisters}.
   */
  public int windowSize() {
    return behaviour.zeroBeyondRegisters() ? Math.max(Page.SIZE, registersSize()) : registersSize();
  }

  /** Size of the register window: covers the IOTLB registers and every fault record. */
  public int registersSize() {
    int frEnd = Registers.faultRecord(cap.fro(), cap.nfr() + 1); // past the last 128-bit record
    int iotlbEnd = Registers.iotlb(ecap.iro()) + 8; // past the 64-bit IOTLB register
    return Math.max(Registers.WINDOW_SIZE, Math.max(frEnd, iotlbEnd));
  }
}
