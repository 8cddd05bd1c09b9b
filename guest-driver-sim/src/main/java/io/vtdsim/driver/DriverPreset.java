package io.vtdsim.driver;

import io.vtdsim.driver.dma.IovaRules;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Linux eras the driver reproduces (facts: drivers/iommu/intel/{iommu,dmar,cache}.c, drivers/iommu/dma-iommu.c
 * and iova.c of each era).
 * Each constant is a set of observable behaviours ({@link EraBehaviour}, built by name: each era is the
 * one before it plus the Linux changes that came in between); the driver code asks the preset, never the name.
 */
public enum DriverPreset {
  LINUX_4_10("linux-4.10", linux410()),
  LINUX_5_10("linux-5.10", linux510()),
  LINUX_5_18("linux-5.18", linux518()),
  LINUX_6_1("linux-6.1", linux61()),
  LINUX_6_12("linux-6.12", linux612());

  /** How the IOMMU-API map path flushes under CM. */
  public enum IommuApiMapFlush {
    /** Before 4.18 intel_iommu_map did not flush at all. */
    NONE,
    /** 4.18–5.11: __mapping_notify_one per power-of-two chunk of iommu_map. */
    PER_CHUNK,
    /** ≥5.12: iotlb_sync_map, one flush per iommu_map call. */
    PER_CALL
  }

  /** What lazy (non-strict) DMA-API unmapping does. */
  public enum LazyRule {
    /** ≤4.13 deferred_flush: CM → one PSI per queued entry; CM=0 → one global flush. */
    PER_ENTRY_PSI_UNDER_CM,
    /** 4.14–5.10 flush queue: a DSI of the domain, even under CM. */
    DSI,
    /** 5.11–6.2: CM forces strict; CM=0 → flush queue with DSI. */
    CM_FORCES_STRICT,
    /**
     * 6.3+ ("iommu/vt-d: Allow to use flush-queue when first level is default", Tina Zhang): CM forces
     * strict only when DMA domains do not use the first level by default (iommu_set_dma_strict in
     * intel_iommu_init); a first-level guest under CM keeps the flush queue.
     */
    CM_FORCES_STRICT_UNLESS_FIRST_LEVEL
  }

  /** Where probing a hot-added device flushes its domain (iommu_create_device_direct_mappings → iommu_flush_iotlb_all). */
  public enum ProbeFlush {
    /** Intel had no flush_iotlb_all op before 5.11 (its own dma_ops): iommu_flush_iotlb_all did nothing. */
    NONE,
    /**
     * 5.11–6.5: iommu_probe_device attaches the default domain, then creates the direct mappings and
     * flushes: a DSI after the attach's CC + DSI (traced on 6.1, docs/linux-6.1-trace.md §2 re-attach).
     */
    AFTER_ATTACH,
    /**
     * 6.6+: __iommu_probe_device / iommu_setup_default_domain create the direct mappings before the
     * attach, so the flush reaches only a domain other devices already hold a DID for (read, not traced).
     */
    BEFORE_ATTACH
  }

  /** Which stage a new domain's page table uses in scalable mode (first_level_by_default). */
  public enum FirstLevelDefault {
    /** No scalable mode, so no first level (4.10). */
    NEVER,
    /**
     * b802d070a52a / ddf09b6d43ec (5.6) to 5.14: first level whenever every unit runs scalable mode
     * with ECAP.FLTS, whatever the domain type (first_level_by_default(void)).
     */
    WHEN_OFFERED,
    /**
     * 5.15+ ("iommu/vt-d: Use second level for GPA->HPA translation", Lu Baolu, 2021): only one of
     * FLTS/SSTS offered → that one; both → first level except for IOMMU_DOMAIN_UNMANAGED (the IOMMU-API
     * domains vfio uses) — first_level_by_default(type), read in 6.1 and 6.12.
     */
    SECOND_LEVEL_FOR_UNMANAGED
  }

  /** The 4.9/4.10 intel-iommu.c (the oldest era modelled). */
  private static EraBehaviour linux410() {
    return EraBehaviour.builder()
        .defaultAddressWidth(48)
        .reservesDid1(false)
        .translationBeforeAttach(true)
        .globalDetachFlush(true)
        .unalignedCorrection(false)
        .alignsPsiAddress(false)
        .batchLimit(1)
        .iommuApiMapFlush(IommuApiMapFlush.NONE)
        .unmapFlushPerChunk(true)
        .lazyRule(LazyRule.PER_ENTRY_PSI_UNDER_CM)
        .flushQueueEntries(250)
        .roundsDmaSizeToPowerOfTwo(true)
        .dmaIommu(false)
        .writeOnlyMapsReadable(true)
        .flushesSuperpageSwitch(false)
        .ihOnRegisterPath(true)
        .allPowerOfTwoPageSizes(true)
        .probeFlush(ProbeFlush.NONE)
        .iovaRules(IovaRules.LINUX_4_7)
        .shutdownDisablesTranslation(false)
        .scalableModeSupported(false)
        .scalableModeByDefault(false)
        .firstLevelDefault(FirstLevelDefault.NEVER)
        .rid2pasidSupervisor(false)
        .firstLevelPresetsAccessed(false)
        .firstLevelExecuteDisable(false)
        .srtpFlushesPasidCache(false)
        .smContextAtProbe(false)
        .firstLevelSagaw(false)
        .tearDownFlushByPgtt(false)
        .build();
  }

  /** 5.10: the last era with Intel's own dma_ops. */
  private static EraBehaviour linux510() {
    return linux410().toBuilder()
        .defaultAddressWidth(57) // DEFAULT_DOMAIN_ADDRESS_WIDTH became 57 in 5.x
        .translationBeforeAttach(false) // intel_iommu_init probes devices (default domains) before TE
        .globalDetachFlush(false) // ≈4.13: device-selective context flush + DSI on the old DID
        .iommuApiMapFlush(IommuApiMapFlush.PER_CHUNK) // 4.18 __mapping_notify_one (Peter Xu)
        .lazyRule(LazyRule.DSI) // 13cf01744608 "Make use of iova deferred flushing" (4.14)
        .flushQueueEntries(255) // iova.c flush queue: IOVA_FQ_SIZE 256, one slot kept free
        .iovaRules(IovaRules.LINUX_4_15) // e60aa7b53845 cached_node + anchor (4.15), max32_alloc_size (5.1)
        .shutdownDisablesTranslation(true) // 6c3a44ed3c55 intel_iommu_shutdown (5.1)
        .scalableModeSupported(true) // 5.0: 7373a8cc3819 "Setup context and enable RID2PASID support"
        .scalableModeByDefault(false) // INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON (5.5) had no default: sm_on needed
        .firstLevelDefault(FirstLevelDefault.WHEN_OFFERED) // 5.6 "Use iova over first level"
        .rid2pasidSupervisor(true) // domain_setup_first_level: PASID_FLAG_SUPERVISOR_MODE until 5.13
        .firstLevelExecuteDisable(true) // __domain_mapping: DMA_FL_PTE_XD | DMA_FL_PTE_US
        .build();
  }

  /** 5.18: dma-iommu (5.11), iotlb_sync_map (5.12), CM forces strict, the unaligned correction. */
  private static EraBehaviour linux518() {
    return linux510().toBuilder()
        .unalignedCorrection(true) // 59bf3557cf2f "Calculate mask for non-aligned flushes" (5.18)
        .iommuApiMapFlush(IommuApiMapFlush.PER_CALL) // 933fcd01e97e "Add iotlb_sync_map callback" (5.12)
        .unmapFlushPerChunk(false) // 5.11: iommu_iotlb_gather, one intel_iommu_tlb_sync per call
        .lazyRule(LazyRule.CM_FORCES_STRICT) // 29b32839725f (5.11), iommu_set_dma_strict() from 5.14
        .roundsDmaSizeToPowerOfTwo(false) // 5.11 dma-iommu: iova.c rounds only below 32 pages
        .dmaIommu(true) // c588072bba6b (5.11): the DMA API is drivers/iommu/dma-iommu.c
        .writeOnlyMapsReadable(false) // the dma_ops that added R for !CAP.ZLR went with 5.11
        .probeFlush(ProbeFlush.AFTER_ATTACH) // c588072bba6b (5.11) gave intel flush_iotlb_all
        .iovaRules(IovaRules.LINUX_5_11) // 4e89dce72521: retry above the cached node (5.11)
        .scalableModeByDefault(true) // the Kconfig option got "default y" (5.15)
        .firstLevelDefault(FirstLevelDefault.SECOND_LEVEL_FOR_UNMANAGED) // 5.15 "Use second level for GPA->HPA"
        .rid2pasidSupervisor(false) // 5.13 "Use user privilege for RID2PASID translation"
        .firstLevelPresetsAccessed(true) // 5.12 "Preset Access/Dirty bits for IOVA over FL", 5.15 for all domains
        .srtpFlushesPasidCache(true) // 5.13 "Invalidate PASID cache when root/context entry changed"
        .tearDownFlushByPgtt(true) // 5.15 "Fix incomplete cache flush in intel_pasid_tear_down_entry()"
        .build();
  }

  /** 6.1: the era of docs/linux-6.1-trace.md. */
  private static EraBehaviour linux61() {
    return linux518().toBuilder()
        .reservesDid1(true) // FLPT_DEFAULT_DID reserved in every mode in 6.x
        .flushesSuperpageSwitch(true) // 6.x switch_to_super_page flushes removed lower tables
        .allPowerOfTwoPageSizes(false) // 6.x pgsize_bitmap: 4K|2M|1G
        .firstLevelSagaw(true) // 53fc7ad6edf2 "Correctly calculate sagaw value of IOMMU" (6.0)
        .build();
  }

  /** 6.12: cache.c (6.10) and qi_batch (6.12). */
  private static EraBehaviour linux612() {
    return linux61().toBuilder()
        .alignsPsiAddress(true) // 6.10 cache.c calculate_psi_aligned_address
        .batchLimit(16) // 6.12 qi_batch of 16 descriptors per qi_submit_sync
        .ihOnRegisterPath(false) // f701c9f36bcb dropped IH (fixed by 6b38a108eeb3, Oct 2025)
        .probeFlush(ProbeFlush.BEFORE_ATTACH) // 6.6 iommu_setup_default_domain: direct mappings first
        .iovaRules(IovaRules.LINUX_6_6) // 911aa1245da8: 127-pfn magazines, unbounded depot (6.6)
        .lazyRule(LazyRule.CM_FORCES_STRICT_UNLESS_FIRST_LEVEL) // 6.3 "Allow to use flush-queue when first level is default"
        .firstLevelExecuteDisable(false) // 6.11 "Remove control over Execute-Requested requests"
        .smContextAtProbe(true) // 6.9 intel_pasid_setup_sm_context at probe (pasid.c)
        .build();
  }

  private final String label;
  private final EraBehaviour era;

  DriverPreset(String label, EraBehaviour era) {
    this.label = label;
    this.era = era;
  }

  public String label() {
    return label;
  }

  /** DEFAULT_DOMAIN_ADDRESS_WIDTH: 48 in 4.x, 57 from 5.x. */
  public int defaultAddressWidth() {
    return era.defaultAddressWidth();
  }

  /** DID 1 (FLPT_DEFAULT_DID) always reserved in 6.x; DID 0 always. */
  public boolean reservesDid1() {
    return era.reservesDid1();
  }

  /** 4.10: TE is enabled in init_dmars, devices attach lazily at their first DMA map. */
  public boolean translationBeforeAttach() {
    return era.translationBeforeAttach();
  }

  /** 4.9/4.10 detach: global context-cache + global IOTLB invalidation. */
  public boolean globalDetachFlush() {
    return era.globalDetachFlush();
  }

  /** ≥5.18 "Calculate mask for non-aligned flushes". */
  public boolean unalignedCorrection() {
    return era.unalignedCorrection();
  }

  /** 6.10+ cache.c aligns the PSI address down to 4 KiB << AM. */
  public boolean alignsPsiAddress() {
    return era.alignsPsiAddress();
  }

  /** Invalidation descriptors per submission: 16 with 6.12's qi_batch, 1 before. */
  public int batchLimit() {
    return era.batchLimit();
  }

  public IommuApiMapFlush iommuApiMapFlush() {
    return era.iommuApiMapFlush();
  }

  /** ≤5.10: intel_iommu_unmap flushed each iommu_unmap chunk itself; ≥5.11 one iotlb_sync per call. */
  public boolean unmapFlushPerChunk() {
    return era.unmapFlushPerChunk();
  }

  public LazyRule lazyRule() {
    return era.lazyRule();
  }

  /** Usable flush-queue entries: 250 (HIGH_WATER_MARK, ≤4.13), 255 of a 256-slot ring (≥4.14). */
  public int flushQueueEntries() {
    return era.flushQueueEntries();
  }

  /** ≤5.10 Intel dma_ops round every IOVA allocation up to a power of two; dma-iommu only below 32 pages. */
  public boolean roundsDmaSizeToPowerOfTwo() {
    return era.roundsDmaSizeToPowerOfTwo();
  }

  /** The DMA API is dma-iommu.c (≥5.11) rather than Intel's own dma_ops. */
  public boolean dmaIommu() {
    return era.dmaIommu();
  }

  /** ≤5.10 dma_ops add R to DMA_FROM_DEVICE maps when CAP.ZLR=0. */
  public boolean writeOnlyMapsReadable() {
    return era.writeOnlyMapsReadable();
  }

  /**
   * Whether a DMA-API map in direction {@code dir} gets DMA_PTE_READ on a unit whose CAP.ZLR is
   * {@code zeroLengthRead}: the device reads, or {@link #writeOnlyMapsReadable} and !ZLR (Linux ≤5.10
   * intel-iommu.c __intel_map_single / intel_map_sg).
   */
  public boolean dmaMapReadable(Direction dir, boolean zeroLengthRead) {
    return dir.deviceReads() || (writeOnlyMapsReadable() && !zeroLengthRead);
  }

  /** 6.x switch_to_super_page flushes (IH=0) when it removes present lower tables. */
  public boolean flushesSuperpageSwitch() {
    return era.flushesSuperpageSwitch();
  }

  /** IH reaches the register path's IVA (≤6.11); 6.12's descriptor composition dropped it. */
  public boolean ihOnRegisterPath() {
    return era.ihOnRegisterPath();
  }

  /** ≤5.x advertised every power-of-two page size, so iommu_map chunks are any aligned power of two. */
  public boolean allPowerOfTwoPageSizes() {
    return era.allPowerOfTwoPageSizes();
  }

  /** Whether and where probing a hot-added device (an attach of an unattached device after boot) flushes its domain. */
  public ProbeFlush probeFlush() {
    return era.probeFlush();
  }

  /** The era's drivers/iommu/iova.c search and rcache rules. */
  public IovaRules iovaRules() {
    return era.iovaRules();
  }

  /** intel_iommu_shutdown (≥5.1) turns translation off at shutdown; 4.10 has no shutdown hook. */
  public boolean shutdownDisablesTranslation() {
    return era.shutdownDisablesTranslation();
  }

  /** Scalable mode exists (5.0+): the 256-bit queue on an ECAP.SMTS unit, and the scalable tables when enabled. */
  public boolean scalableModeSupported() {
    return era.scalableModeSupported();
  }

  /** intel_iommu_sm without sm_on/sm_off: CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON's default (y from 5.15). */
  public boolean scalableModeByDefault() {
    return era.scalableModeByDefault();
  }

  /** first_level_by_default: which stage a new domain uses in scalable mode. */
  public FirstLevelDefault firstLevelDefault() {
    return era.firstLevelDefault();
  }

  /** ≤5.12: the RID_PASID entry of a first-level domain sets SRE (PASID_FLAG_SUPERVISOR_MODE), needing ECAP.SRS. */
  public boolean rid2pasidSupervisor() {
    return era.rid2pasidSupervisor();
  }

  /** ≥5.12/5.15: first-level entries are written with A (and D when writable) preset. */
  public boolean firstLevelPresetsAccessed() {
    return era.firstLevelPresetsAccessed();
  }

  /** ≤6.10: first-level entries carry XD (bit 63). */
  public boolean firstLevelExecuteDisable() {
    return era.firstLevelExecuteDisable();
  }

  /** ≥5.13: iommu_set_root_entry adds a global PASID-cache invalidation in scalable mode (unless ESRTPS). */
  public boolean srtpFlushesPasidCache() {
    return era.srtpFlushesPasidCache();
  }

  /** ≥6.9: the scalable-mode context entry is set at probe, before any PASID entry, flushing DID 0. */
  public boolean smContextAtProbe() {
    return era.smContextAtProbe();
  }

  /**
   * ≥6.0: the AGAW comes from __iommu_calculate_sagaw — in scalable mode with ECAP.FLTS the first
   * level's widths (48, and 57 with CAP.FL5LP), alone without SSTS, else ANDed with CAP.SAGAW.
   */
  public boolean firstLevelSagaw() {
    return era.firstLevelSagaw();
  }

  /** ≥5.15: intel_pasid_tear_down_entry flushes a second-stage entry's DID with a DSI, not a PASID-based IOTLB. */
  public boolean tearDownFlushByPgtt() {
    return era.tearDownFlushByPgtt();
  }

  public static DriverPreset parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (DriverPreset p : values()) {
      if (p.label.equals(t)) return p;
    }
    throw new IllegalArgumentException("unknown driver preset '" + text + "'; known: "
        + Arrays.stream(values()).map(DriverPreset::label).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return label;
  }

  /**
   * The behaviours that tell one Linux era from another. Built only through {@link Builder}, by name.
   *
   * @param defaultAddressWidth DEFAULT_DOMAIN_ADDRESS_WIDTH (intel-iommu.c / intel/iommu.c): the AGAW
   *     search starts at min(this, CAP.MGAW+1)
   * @param reservesDid1 iommu_init_domains reserves FLPT_DEFAULT_DID (DID 1) besides DID 0
   * @param translationBeforeAttach init_dmars sets TE right after dmar_set_interrupt and devices get
   *     their domain and context entry at their first DMA map (4.9/4.10); later intel_iommu_init
   *     attaches default domains while probing, before TE
   * @param globalDetachFlush clearing a context entry (domain_context_clear_one, 4.9) sends a global
   *     context-cache and a global IOTLB invalidation; later a device-selective context flush and a
   *     DSI on the old DID
   * @param unalignedCorrection iommu_flush_iotlb_psi grows AM until the aligned block covers an
   *     unaligned range (59bf3557cf2f "iommu/vt-d: Calculate mask for non-aligned flushes")
   * @param alignsPsiAddress calculate_psi_aligned_address (intel/cache.c, 6.10) aligns ADDR down to
   *     4 KiB << AM
   * @param batchLimit descriptors per qi_submit_sync: the qi_batch of 16 (intel/cache.c, 6.12), 1 before
   * @param iommuApiMapFlush how intel_iommu_map flushes under CM: not at all (4.9), __mapping_notify_one
   *     per chunk (4.18), iotlb_sync_map once per call (933fcd01e97e, 5.12)
   * @param unmapFlushPerChunk intel_iommu_unmap flushes each chunk itself (≤5.10); from 5.11 the core's
   *     iommu_iotlb_gather and one intel_iommu_tlb_sync per call
   * @param lazyRule non-strict unmapping: deferred_flush/flush_unmaps (≤4.13, 78d5f0f500e6), the iova.c
   *     flush queue with a DSI (13cf01744608, 4.14), CM forces strict (29b32839725f, 5.11;
   *     iommu_set_dma_strict from 5.14)
   * @param flushQueueEntries usable lazy-queue entries: HIGH_WATER_MARK 250 of add_unmap (≤4.13),
   *     IOVA_FQ_SIZE 256 less the slot the ring keeps free (≥4.14)
   * @param roundsDmaSizeToPowerOfTwo intel_alloc_iova rounds every size up to a power of two (≤5.10
   *     dma_ops); dma-iommu's iova.c only below 32 pages (IOVA_RANGE_CACHE_MAX_SIZE)
   * @param dmaIommu the DMA API is dma-iommu.c (≥5.11: iommu_dma_map_sg pads segments to the device's
   *     segment boundary and merges the returned segments) rather than Intel's own dma_ops (intel_map_sg)
   * @param writeOnlyMapsReadable __intel_map_single / intel_map_sg add DMA_PTE_READ to DMA_FROM_DEVICE
   *     maps when !cap_zlr (≤5.10 dma_ops)
   * @param flushesSuperpageSwitch switch_to_super_page (6.x) flushes (IH=0) the span of the lower
   *     tables it removes
   * @param ihOnRegisterPath the register path (__iommu_flush_iotlb) ORs IH into IVA; f701c9f36bcb
   *     "Factor out invalidation descriptor composition" (6.12) dropped it until 6b38a108eeb3
   * @param allPowerOfTwoPageSizes pgsize_bitmap is every power of two ≥ 4 KiB (INTEL_IOMMU_PGSIZES,
   *     ≤5.x), so iommu_map chunks are any aligned power of two; 6.x advertises 4K|2M|1G
   * @param probeFlush where iommu_probe_device's iommu_create_device_direct_mappings flushes the domain
   *     of a hot-added device relative to its attach (drivers/iommu/iommu.c)
   * @param iovaRules drivers/iommu/iova.c: where the rbtree search starts and what the rcache does
   * @param shutdownDisablesTranslation intel_iommu_shutdown → iommu_disable_translation (6c3a44ed3c55, 5.1)
   * @param scalableModeSupported the driver knows scalable mode (5.0: 765b6a98c1de "Enumerate the scalable
   *     mode capability", 7373a8cc3819 "Setup context and enable RID2PASID support"); __dmar_enable_qi then
   *     sets IQA.DW and QS=1 whenever ECAP.SMTS, even when scalable mode is off
   * @param scalableModeByDefault intel_iommu_sm = IS_ENABLED(CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON):
   *     the option came without a default (5.5) and got "default y" in 5.15
   * @param firstLevelDefault first_level_by_default (5.6: every domain when FLTS; 5.15: by domain type)
   * @param rid2pasidSupervisor domain_setup_first_level passes PASID_FLAG_SUPERVISOR_MODE for RID2PASID
   *     (SRE, refused without ECAP.SRS) until "Use user privilege for RID2PASID translation" (5.13); the
   *     second-level entry sets SRE the same way
   * @param firstLevelPresetsAccessed __domain_mapping / pfn_to_dma_pte preset DMA_FL_PTE_ACCESS (and
   *     DMA_FL_PTE_DIRTY on writable leaves): DMA domains from 5.12, every domain from 5.15
   * @param firstLevelExecuteDisable first-level entries carry DMA_FL_PTE_XD until "Remove control over
   *     Execute-Requested requests" (6.11)
   * @param srtpFlushesPasidCache iommu_set_root_entry's qi_flush_pasid_cache(QI_PC_GLOBAL) in scalable mode
   *     ("Invalidate PASID cache when root/context entry changed", 5.13)
   * @param smContextAtProbe intel_pasid_setup_sm_context at probe (6.9): the context entry before the
   *     PASID entry, its CM flush a device-selective context invalidation and a DSI on DID 0; before,
   *     domain_context_mapping_one after the PASID entry with a DSI on the domain's DID
   * @param firstLevelSagaw __iommu_calculate_sagaw (53fc7ad6edf2, 6.0; its FL5LP test fixed in 6.0 by
   *     "Check correct capability for sagaw determination"): first-level widths BIT(2) | FL5LP ? BIT(3)
   *     in scalable mode with FLTS — alone without SLTS, ANDed with CAP.SAGAW with it; before, CAP.SAGAW
   * @param tearDownFlushByPgtt intel_pasid_tear_down_entry: PASID-based IOTLB for first-stage and
   *     pass-through entries, DSI for second-stage ones ("Fix incomplete cache flush in
   *     intel_pasid_tear_down_entry()", 5.15, per spec 6.5.3.3); before, PASID-based for every entry
   */
  private record EraBehaviour(
      int defaultAddressWidth,
      boolean reservesDid1,
      boolean translationBeforeAttach,
      boolean globalDetachFlush,
      boolean unalignedCorrection,
      boolean alignsPsiAddress,
      int batchLimit,
      IommuApiMapFlush iommuApiMapFlush,
      boolean unmapFlushPerChunk,
      LazyRule lazyRule,
      int flushQueueEntries,
      boolean roundsDmaSizeToPowerOfTwo,
      boolean dmaIommu,
      boolean writeOnlyMapsReadable,
      boolean flushesSuperpageSwitch,
      boolean ihOnRegisterPath,
      boolean allPowerOfTwoPageSizes,
      ProbeFlush probeFlush,
      IovaRules iovaRules,
      boolean shutdownDisablesTranslation,
      boolean scalableModeSupported,
      boolean scalableModeByDefault,
      FirstLevelDefault firstLevelDefault,
      boolean rid2pasidSupervisor,
      boolean firstLevelPresetsAccessed,
      boolean firstLevelExecuteDisable,
      boolean srtpFlushesPasidCache,
      boolean smContextAtProbe,
      boolean firstLevelSagaw,
      boolean tearDownFlushByPgtt) {

    static Builder builder() {
      return new Builder();
    }

    Builder toBuilder() {
      return new Builder()
          .defaultAddressWidth(defaultAddressWidth)
          .reservesDid1(reservesDid1)
          .translationBeforeAttach(translationBeforeAttach)
          .globalDetachFlush(globalDetachFlush)
          .unalignedCorrection(unalignedCorrection)
          .alignsPsiAddress(alignsPsiAddress)
          .batchLimit(batchLimit)
          .iommuApiMapFlush(iommuApiMapFlush)
          .unmapFlushPerChunk(unmapFlushPerChunk)
          .lazyRule(lazyRule)
          .flushQueueEntries(flushQueueEntries)
          .roundsDmaSizeToPowerOfTwo(roundsDmaSizeToPowerOfTwo)
          .dmaIommu(dmaIommu)
          .writeOnlyMapsReadable(writeOnlyMapsReadable)
          .flushesSuperpageSwitch(flushesSuperpageSwitch)
          .ihOnRegisterPath(ihOnRegisterPath)
          .allPowerOfTwoPageSizes(allPowerOfTwoPageSizes)
          .probeFlush(probeFlush)
          .iovaRules(iovaRules)
          .shutdownDisablesTranslation(shutdownDisablesTranslation)
          .scalableModeSupported(scalableModeSupported)
          .scalableModeByDefault(scalableModeByDefault)
          .firstLevelDefault(firstLevelDefault)
          .rid2pasidSupervisor(rid2pasidSupervisor)
          .firstLevelPresetsAccessed(firstLevelPresetsAccessed)
          .firstLevelExecuteDisable(firstLevelExecuteDisable)
          .srtpFlushesPasidCache(srtpFlushesPasidCache)
          .smContextAtProbe(smContextAtProbe)
          .firstLevelSagaw(firstLevelSagaw)
          .tearDownFlushByPgtt(tearDownFlushByPgtt);
    }
  }

  /** Named construction of an {@link EraBehaviour}; {@link #build} fails on any behaviour left unset. */
  private static final class Builder {
    private Integer defaultAddressWidth;
    private Boolean reservesDid1;
    private Boolean translationBeforeAttach;
    private Boolean globalDetachFlush;
    private Boolean unalignedCorrection;
    private Boolean alignsPsiAddress;
    private Integer batchLimit;
    private IommuApiMapFlush iommuApiMapFlush;
    private Boolean unmapFlushPerChunk;
    private LazyRule lazyRule;
    private Integer flushQueueEntries;
    private Boolean roundsDmaSizeToPowerOfTwo;
    private Boolean dmaIommu;
    private Boolean writeOnlyMapsReadable;
    private Boolean flushesSuperpageSwitch;
    private Boolean ihOnRegisterPath;
    private Boolean allPowerOfTwoPageSizes;
    private ProbeFlush probeFlush;
    private IovaRules iovaRules;
    private Boolean shutdownDisablesTranslation;
    private Boolean scalableModeSupported;
    private Boolean scalableModeByDefault;
    private FirstLevelDefault firstLevelDefault;
    private Boolean rid2pasidSupervisor;
    private Boolean firstLevelPresetsAccessed;
    private Boolean firstLevelExecuteDisable;
    private Boolean srtpFlushesPasidCache;
    private Boolean smContextAtProbe;
    private Boolean firstLevelSagaw;
    private Boolean tearDownFlushByPgtt;

    Builder defaultAddressWidth(int v) {
      defaultAddressWidth = v;
      return this;
    }

    Builder reservesDid1(boolean v) {
      reservesDid1 = v;
      return this;
    }

    Builder translationBeforeAttach(boolean v) {
      translationBeforeAttach = v;
      return this;
    }

    Builder globalDetachFlush(boolean v) {
      globalDetachFlush = v;
      return this;
    }

    Builder unalignedCorrection(boolean v) {
      unalignedCorrection = v;
      return this;
    }

    Builder alignsPsiAddress(boolean v) {
      alignsPsiAddress = v;
      return this;
    }

    Builder batchLimit(int v) {
      batchLimit = v;
      return this;
    }

    Builder iommuApiMapFlush(IommuApiMapFlush v) {
      iommuApiMapFlush = v;
      return this;
    }

    Builder unmapFlushPerChunk(boolean v) {
      unmapFlushPerChunk = v;
      return this;
    }

    Builder lazyRule(LazyRule v) {
      lazyRule = v;
      return this;
    }

    Builder flushQueueEntries(int v) {
      flushQueueEntries = v;
      return this;
    }

    Builder roundsDmaSizeToPowerOfTwo(boolean v) {
      roundsDmaSizeToPowerOfTwo = v;
      return this;
    }

    Builder dmaIommu(boolean v) {
      dmaIommu = v;
      return this;
    }

    Builder writeOnlyMapsReadable(boolean v) {
      writeOnlyMapsReadable = v;
      return this;
    }

    Builder flushesSuperpageSwitch(boolean v) {
      flushesSuperpageSwitch = v;
      return this;
    }

    Builder ihOnRegisterPath(boolean v) {
      ihOnRegisterPath = v;
      return this;
    }

    Builder allPowerOfTwoPageSizes(boolean v) {
      allPowerOfTwoPageSizes = v;
      return this;
    }

    Builder probeFlush(ProbeFlush v) {
      probeFlush = v;
      return this;
    }

    Builder iovaRules(IovaRules v) {
      iovaRules = v;
      return this;
    }

    Builder shutdownDisablesTranslation(boolean v) {
      shutdownDisablesTranslation = v;
      return this;
    }

    Builder scalableModeSupported(boolean v) {
      scalableModeSupported = v;
      return this;
    }

    Builder scalableModeByDefault(boolean v) {
      scalableModeByDefault = v;
      return this;
    }

    Builder firstLevelDefault(FirstLevelDefault v) {
      firstLevelDefault = v;
      return this;
    }

    Builder rid2pasidSupervisor(boolean v) {
      rid2pasidSupervisor = v;
      return this;
    }

    Builder firstLevelPresetsAccessed(boolean v) {
      firstLevelPresetsAccessed = v;
      return this;
    }

    Builder firstLevelExecuteDisable(boolean v) {
      firstLevelExecuteDisable = v;
      return this;
    }

    Builder srtpFlushesPasidCache(boolean v) {
      srtpFlushesPasidCache = v;
      return this;
    }

    Builder smContextAtProbe(boolean v) {
      smContextAtProbe = v;
      return this;
    }

    Builder firstLevelSagaw(boolean v) {
      firstLevelSagaw = v;
      return this;
    }

    Builder tearDownFlushByPgtt(boolean v) {
      tearDownFlushByPgtt = v;
      return this;
    }

    EraBehaviour build() {
      return new EraBehaviour(
          required(defaultAddressWidth, "defaultAddressWidth"),
          required(reservesDid1, "reservesDid1"),
          required(translationBeforeAttach, "translationBeforeAttach"),
          required(globalDetachFlush, "globalDetachFlush"),
          required(unalignedCorrection, "unalignedCorrection"),
          required(alignsPsiAddress, "alignsPsiAddress"),
          required(batchLimit, "batchLimit"),
          required(iommuApiMapFlush, "iommuApiMapFlush"),
          required(unmapFlushPerChunk, "unmapFlushPerChunk"),
          required(lazyRule, "lazyRule"),
          required(flushQueueEntries, "flushQueueEntries"),
          required(roundsDmaSizeToPowerOfTwo, "roundsDmaSizeToPowerOfTwo"),
          required(dmaIommu, "dmaIommu"),
          required(writeOnlyMapsReadable, "writeOnlyMapsReadable"),
          required(flushesSuperpageSwitch, "flushesSuperpageSwitch"),
          required(ihOnRegisterPath, "ihOnRegisterPath"),
          required(allPowerOfTwoPageSizes, "allPowerOfTwoPageSizes"),
          required(probeFlush, "probeFlush"),
          required(iovaRules, "iovaRules"),
          required(shutdownDisablesTranslation, "shutdownDisablesTranslation"),
          required(scalableModeSupported, "scalableModeSupported"),
          required(scalableModeByDefault, "scalableModeByDefault"),
          required(firstLevelDefault, "firstLevelDefault"),
          required(rid2pasidSupervisor, "rid2pasidSupervisor"),
          required(firstLevelPresetsAccessed, "firstLevelPresetsAccessed"),
          required(firstLevelExecuteDisable, "firstLevelExecuteDisable"),
          required(srtpFlushesPasidCache, "srtpFlushesPasidCache"),
          required(smContextAtProbe, "smContextAtProbe"),
          required(firstLevelSagaw, "firstLevelSagaw"),
          required(tearDownFlushByPgtt, "tearDownFlushByPgtt"));
    }

    private static <T> T required(T value, String name) {
      return Objects.requireNonNull(value, () -> "era behaviour '" + name + "' is not set");
    }
  }
}
