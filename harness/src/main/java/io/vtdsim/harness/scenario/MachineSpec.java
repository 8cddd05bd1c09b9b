package io.vtdsim.harness.scenario;

import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.testbed.Superpage;
import java.util.List;

/**
 * The {@code machine:} keys of a scenario as types — the one machine record of the project: a
 * scenario holds it as written (a null component means "take the preset's value" for capability
 * bits, or the default named here), and {@code TestBedConfig} holds it {@link #withDefaults resolved}.
 * Names are parsed at the edge ({@link ScenarioLoader}, {@link Overrides}, {@code TestBedBuilder}).
 *
 * @param preset VT-d preset ({@code VtdConfig.PRESETS}); default {@value #DEFAULT_PRESET}
 * @param ramBytes guest RAM size; default 1 GiB
 * @param cachingMode CAP.CM override
 * @param awBits address width 39 | 48 | 57; default {@value #DEFAULT_AW_BITS}
 * @param psi CAP.PSI override
 * @param mamv CAP.MAMV override
 * @param superpages second-level superpage sizes (CAP.SLLPS override; empty: none)
 * @param queuedInvalidation ECAP.QI override
 * @param negativeCaching cache not-present translations ({@code VtdConfig.negativeCaching})
 * @param shadowSync shadow strategy; default iova-tree
 * @param host host IOMMU semantics; default vfio-type1
 * @param backend what runs the machine, the model or real QEMU; default the model
 * @param fidelity strict | qemu ({@link Fidelity}); default strict
 * @param hostMappingLimit the host's mapping limit: vfio-type1 DMA mappings (dma_entry_limit, default
 *     65535), iommufd pinned 4 KiB pages (RLIMIT_MEMLOCK; default guest RAM + 1 GiB); null: the default
 * @param queue where the unit processes its invalidation queue: inline (in the IQT write,
 *     deterministic) or thread (a hardware thread of its own); default inline
 * @param scalableMode QEMU's {@code scalable-mode} property: the preset's scalable-mode unit (ECAP.SMTS,
 *     second stage) instead of its legacy one; default: the preset's ({@code -sm} presets are scalable)
 * @param flts QEMU's first-stage property ({@code fsts}, before 11.1 {@code x-flts}): the scalable-mode
 *     unit with first-stage translation (ECAP.FSTS) instead of second-stage; needs scalable mode and
 *     aw-bits 48; default: the preset's ({@code qemu-11.1-sm-fsts} is first-stage)
 */
public record MachineSpec(
    String preset,
    Long ramBytes,
    Boolean cachingMode,
    Integer awBits,
    Boolean psi,
    Integer mamv,
    List<Superpage> superpages,
    Boolean queuedInvalidation,
    Boolean negativeCaching,
    ShadowStrategy shadowSync,
    HostSemantics host,
    Backend backend,
    Fidelity fidelity,
    Long hostMappingLimit,
    VtdConfig.QueueProcessing queue,
    Boolean scalableMode,
    Boolean flts) {

  public static final String DEFAULT_PRESET = "qemu-7.2";
  public static final long DEFAULT_RAM_BYTES = 1L << 30;
  public static final int DEFAULT_AW_BITS = 48;
  public static final ShadowStrategy DEFAULT_SHADOW_SYNC = ShadowStrategy.IOVA_TREE;
  public static final HostSemantics DEFAULT_HOST = HostSemantics.VFIO_TYPE1;
  public static final Backend DEFAULT_BACKEND = Backend.MODEL;
  public static final Fidelity DEFAULT_FIDELITY = Fidelity.STRICT;
  public static final VtdConfig.QueueProcessing DEFAULT_QUEUE = VtdConfig.QueueProcessing.INLINE;

  /** Every key null: all defaults. */
  public static final MachineSpec DEFAULTS = builder().build();

  public MachineSpec {
    superpages = superpages == null ? null : List.copyOf(superpages);
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

  public ShadowStrategy shadowSyncOrDefault() {
    return shadowSync != null ? shadowSync : DEFAULT_SHADOW_SYNC;
  }

  public HostSemantics hostOrDefault() {
    return host != null ? host : DEFAULT_HOST;
  }

  public Backend backendOrDefault() {
    return backend != null ? backend : DEFAULT_BACKEND;
  }

  public Fidelity fidelityOrDefault() {
    return fidelity != null ? fidelity : DEFAULT_FIDELITY;
  }

  public VtdConfig.QueueProcessing queueOrDefault() {
    return queue != null ? queue : DEFAULT_QUEUE;
  }

  /**
   * This record with every key that has a default set to it (preset, RAM, address width, strategy,
   * host, backend, fidelity, queue); the capability overrides and the mapping limit stay as given.
   */
  public MachineSpec withDefaults() {
    return toBuilder().preset(presetOrDefault()).ramBytes(ramBytesOrDefault()).awBits(awBitsOrDefault())
        .shadowSync(shadowSyncOrDefault()).host(hostOrDefault()).backend(backendOrDefault())
        .fidelity(fidelityOrDefault()).queue(queueOrDefault()).build();
  }

  /** The presets whose registers are a scalable-mode unit, second-stage and first-stage. */
  static final String SM_PRESET = "qemu-11.1-sm";
  static final String SM_FSTS_PRESET = "qemu-11.1-sm-fsts";
  /** The presets that have a scalable-mode variant: QEMU 11.1's registers (10.2 has the same). */
  static final List<String> SCALABLE_FAMILY = List.of("qemu-11.1", "qemu-10.2", SM_PRESET, SM_FSTS_PRESET);

  /** Whether the unit is in scalable mode: {@code scalable-mode}, else whether the preset is a {@code -sm} one. */
  public boolean scalableModeOrPreset() {
    if (scalableMode != null) return scalableMode;
    String p = presetOrDefault();
    return p.equals(SM_PRESET) || p.equals(SM_FSTS_PRESET);
  }

  /** Whether the unit translates first-stage: {@code flts}, else whether the preset is {@code qemu-11.1-sm-fsts}. */
  public boolean fltsOrPreset() {
    if (flts != null) return flts;
    return scalableModeOrPreset() && presetOrDefault().equals(SM_FSTS_PRESET);
  }

  /**
   * The preset whose registers the unit reports: the preset's scalable-mode variant with {@code
   * scalable-mode} ({@value #SM_PRESET}, with {@code flts} {@value #SM_FSTS_PRESET}), its legacy one
   * with {@code scalable-mode: false}. An impossible combination is an {@link IllegalArgumentException}
   * whose message starts with the key, as QEMU refuses it ({@code vtd_decide_config}): "fsts is only
   * available in scalable mode", "Scalable mode(fsts=on): supported value for aw-bits is: 48".
   */
  public String registerPreset() {
    String p = presetOrDefault();
    boolean sm = scalableModeOrPreset();
    if (Boolean.TRUE.equals(flts) && !sm) {
      throw new IllegalArgumentException("machine.flts: first-stage translation needs scalable mode"
          + " (set machine.scalable-mode: true; QEMU: fsts is only available in scalable mode)");
    }
    if (Boolean.TRUE.equals(flts) && awBitsOrDefault() != DEFAULT_AW_BITS) {
      throw new IllegalArgumentException("machine.flts: first-stage translation needs aw-bits 48, found "
          + awBitsOrDefault() + " (QEMU: Scalable mode(fsts=on): supported value for aw-bits is: 48)");
    }
    if (scalableMode == null && flts == null) return p;
    if (!SCALABLE_FAMILY.contains(p)) {
      if (!sm) return p;
      throw new IllegalArgumentException("machine.scalable-mode: preset " + p + " has no scalable-mode unit;"
          + " the scalable-mode registers are QEMU 11.1's (use preset qemu-11.1 or qemu-10.2)");
    }
    if (!sm) return p.equals(SM_PRESET) || p.equals(SM_FSTS_PRESET) ? "qemu-11.1" : p;
    return fltsOrPreset() ? SM_FSTS_PRESET : SM_PRESET;
  }

  /** The VT-d unit these keys ask for: the {@link #registerPreset} at the address width with the overrides applied. */
  public VtdConfig vtdConfig() {
    VtdConfig v = VtdConfig.preset(registerPreset(), awBitsOrDefault(), fidelityOrDefault());
    var cap = v.cap();
    if (cachingMode != null) cap = cap.withCm(cachingMode);
    if (psi != null) cap = cap.withPsi(psi);
    if (mamv != null) cap = cap.withMamv(mamv);
    if (superpages != null) {
      int sllps = 0;
      for (Superpage s : superpages) sllps |= s.sllpsBit();
      cap = cap.withSllps(sllps);
    }
    v = v.withCap(cap);
    if (queuedInvalidation != null) v = v.withEcap(v.ecap().withQi(queuedInvalidation));
    if (negativeCaching != null) v = v.withNegativeCaching(negativeCaching);
    return v.withQueueProcessing(queueOrDefault());
  }

  /** A copy with the shadow strategy named {@code s} ("psi-only", ...). */
  public MachineSpec withShadowSync(String s) {
    return withShadowSync(ShadowStrategy.parse(s));
  }

  public MachineSpec withShadowSync(ShadowStrategy s) {
    return toBuilder().shadowSync(s).build();
  }

  /** A copy with the backend named {@code b} ("model", "qemu"). */
  public MachineSpec withBackend(String b) {
    return withBackend(Backend.parse(b));
  }

  public MachineSpec withBackend(Backend b) {
    return toBuilder().backend(b).build();
  }

  /** A builder with every key null. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this record: the one place besides the record that lists every key. */
  public Builder toBuilder() {
    return new Builder().preset(preset).ramBytes(ramBytes).cachingMode(cachingMode).awBits(awBits).psi(psi)
        .mamv(mamv).superpages(superpages).queuedInvalidation(queuedInvalidation).negativeCaching(negativeCaching)
        .shadowSync(shadowSync).host(host).backend(backend).fidelity(fidelity).hostMappingLimit(hostMappingLimit)
        .queue(queue).scalableMode(scalableMode).flts(flts);
  }

  /** One machine record under construction; every setter takes null for "not set". */
  public static final class Builder {
    private String preset;
    private Long ramBytes;
    private Boolean cachingMode;
    private Integer awBits;
    private Boolean psi;
    private Integer mamv;
    private List<Superpage> superpages;
    private Boolean queuedInvalidation;
    private Boolean negativeCaching;
    private ShadowStrategy shadowSync;
    private HostSemantics host;
    private Backend backend;
    private Fidelity fidelity;
    private Long hostMappingLimit;
    private VtdConfig.QueueProcessing queue;
    private Boolean scalableMode;
    private Boolean flts;

    private Builder() {}

    public Builder preset(String v) {
      preset = v;
      return this;
    }

    public Builder ramBytes(Long v) {
      ramBytes = v;
      return this;
    }

    public Builder cachingMode(Boolean v) {
      cachingMode = v;
      return this;
    }

    public Builder awBits(Integer v) {
      awBits = v;
      return this;
    }

    public Builder psi(Boolean v) {
      psi = v;
      return this;
    }

    public Builder mamv(Integer v) {
      mamv = v;
      return this;
    }

    public Builder superpages(List<Superpage> v) {
      superpages = v == null ? null : List.copyOf(v);
      return this;
    }

    public Builder queuedInvalidation(Boolean v) {
      queuedInvalidation = v;
      return this;
    }

    public Builder negativeCaching(Boolean v) {
      negativeCaching = v;
      return this;
    }

    public Builder shadowSync(ShadowStrategy v) {
      shadowSync = v;
      return this;
    }

    public Builder host(HostSemantics v) {
      host = v;
      return this;
    }

    public Builder backend(Backend v) {
      backend = v;
      return this;
    }

    public Builder fidelity(Fidelity v) {
      fidelity = v;
      return this;
    }

    public Builder hostMappingLimit(Long v) {
      hostMappingLimit = v;
      return this;
    }

    public Builder queue(VtdConfig.QueueProcessing v) {
      queue = v;
      return this;
    }

    public Builder scalableMode(Boolean v) {
      scalableMode = v;
      return this;
    }

    public Builder flts(Boolean v) {
      flts = v;
      return this;
    }

    public MachineSpec build() {
      return new MachineSpec(preset, ramBytes, cachingMode, awBits, psi, mamv, superpages, queuedInvalidation,
          negativeCaching, shadowSync, host, backend, fidelity, hostMappingLimit, queue, scalableMode, flts);
    }
  }
}
