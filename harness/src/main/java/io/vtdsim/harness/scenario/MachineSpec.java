package io.vtdsim.harness.scenario;

import java.util.List;

/**
 * The {@code machine:} keys of a scenario. A null component means "take the preset's value" (for
 * capability bits) or the default named here.
 *
 * @param preset VT-d preset ({@code VtdConfig.PRESETS}); default {@value #DEFAULT_PRESET}
 * @param ramBytes guest RAM size; default 1 GiB
 * @param cachingMode CAP.CM override
 * @param awBits address width 39 | 48 | 57; default {@value #DEFAULT_AW_BITS}
 * @param psi CAP.PSI override
 * @param mamv CAP.MAMV override
 * @param superpages second-level superpage sizes, normalized to "2M" / "1G" (CAP.SLLPS override)
 * @param queuedInvalidation ECAP.QI override
 * @param negativeCaching cache not-present translations ({@code VtdConfig.negativeCaching})
 * @param shadowSync shadow strategy; default {@value #DEFAULT_SHADOW_SYNC}
 * @param host host IOMMU semantics; default {@value #DEFAULT_HOST}
 * @param backend what runs the machine, {@code model} or {@code qemu}; default {@value #DEFAULT_BACKEND}
 * @param fidelity {@code strict} | {@code qemu} ({@code io.vtdsim.emu.vtd.Fidelity}); default
 *     {@value #DEFAULT_FIDELITY}
 * @param hostMappingLimit the host's mapping limit: vfio-type1 DMA mappings (dma_entry_limit, default
 *     65535), iommufd pinned 4 KiB pages (RLIMIT_MEMLOCK; default guest RAM + 1 GiB); null: the default
 * @param queue where the unit processes its invalidation queue: {@code inline} (in the IQT write,
 *     deterministic) or {@code thread} (a hardware thread of its own); default {@value #DEFAULT_QUEUE}
 */
public record MachineSpec(
    String preset,
    Long ramBytes,
    Boolean cachingMode,
    Integer awBits,
    Boolean psi,
    Integer mamv,
    List<String> superpages,
    Boolean queuedInvalidation,
    Boolean negativeCaching,
    String shadowSync,
    String host,
    String backend,
    String fidelity,
    Long hostMappingLimit,
    String queue) {

  public static final String DEFAULT_PRESET = "qemu-7.2";
  public static final long DEFAULT_RAM_BYTES = 1L << 30;
  public static final int DEFAULT_AW_BITS = 48;
  public static final String DEFAULT_SHADOW_SYNC = "iova-tree";
  public static final String DEFAULT_HOST = "vfio-type1";
  public static final String DEFAULT_BACKEND = "model";
  public static final String DEFAULT_FIDELITY = "strict";
  public static final String DEFAULT_QUEUE = "inline";

  /** Every key null: all defaults. */
  public static final MachineSpec DEFAULTS =
      new MachineSpec(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  public MachineSpec {
    superpages = superpages == null ? null : List.copyOf(superpages);
  }

  public String fidelityOrDefault() {
    return fidelity != null ? fidelity : DEFAULT_FIDELITY;
  }

  public String presetOrDefault() {
    return preset != null ? preset : DEFAULT_PRESET;
  }

  public long ramBytesOrDefault() {
    return ramBytes != null ? ramBytes : DEFAULT_RAM_BYTES;
  }

  public int awBitsOrDefault() {
    return awBits != null ? awBits : DEFAULT_AW_BITS;
  }

  public String shadowSyncOrDefault() {
    return shadowSync != null ? shadowSync : DEFAULT_SHADOW_SYNC;
  }

  public String hostOrDefault() {
    return host != null ? host : DEFAULT_HOST;
  }

  /** Without the backend and fidelity keys (the model, strict). */
  public MachineSpec(String preset, Long ramBytes, Boolean cachingMode, Integer awBits, Boolean psi, Integer mamv,
      List<String> superpages, Boolean queuedInvalidation, Boolean negativeCaching, String shadowSync, String host) {
    this(preset, ramBytes, cachingMode, awBits, psi, mamv, superpages, queuedInvalidation, negativeCaching,
        shadowSync, host, null, null, null, null);
  }

  /** Without a host mapping limit (the host semantics' default). */
  public MachineSpec(String preset, Long ramBytes, Boolean cachingMode, Integer awBits, Boolean psi, Integer mamv,
      List<String> superpages, Boolean queuedInvalidation, Boolean negativeCaching, String shadowSync, String host,
      String backend, String fidelity) {
    this(preset, ramBytes, cachingMode, awBits, psi, mamv, superpages, queuedInvalidation, negativeCaching,
        shadowSync, host, backend, fidelity, null, null);
  }

  /** Without the queue key (inline). */
  public MachineSpec(String preset, Long ramBytes, Boolean cachingMode, Integer awBits, Boolean psi, Integer mamv,
      List<String> superpages, Boolean queuedInvalidation, Boolean negativeCaching, String shadowSync, String host,
      String backend, String fidelity, Long hostMappingLimit) {
    this(preset, ramBytes, cachingMode, awBits, psi, mamv, superpages, queuedInvalidation, negativeCaching,
        shadowSync, host, backend, fidelity, hostMappingLimit, null);
  }

  public String queueOrDefault() {
    return queue != null ? queue : DEFAULT_QUEUE;
  }

  public String backendOrDefault() {
    return backend != null ? backend : DEFAULT_BACKEND;
  }

  public MachineSpec withShadowSync(String s) {
    return new MachineSpec(preset, ramBytes, cachingMode, awBits, psi, mamv, superpages,
        queuedInvalidation, negativeCaching, s, host, backend, fidelity, hostMappingLimit, queue);
  }

  public MachineSpec withBackend(String b) {
    return new MachineSpec(preset, ramBytes, cachingMode, awBits, psi, mamv, superpages,
        queuedInvalidation, negativeCaching, shadowSync, host, b, fidelity, hostMappingLimit, queue);
  }
}
