package io.vtdsim.driver;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Linux eras the driver reproduces (facts: drivers/iommu/intel/{iommu,dmar,cache}.c, drivers/iommu/dma-iommu.c
 * and iova.c of each era).
 * Each constant is a set of observable behaviours; the driver code asks the preset, never the name.
 */
public enum DriverPreset {
  LINUX_4_10("linux-4.10", 48, false, true, true, false, false, 1, IommuApiMapFlush.NONE, true,
      LazyRule.PER_ENTRY_PSI_UNDER_CM, 250, true, true, false, true),
  LINUX_5_10("linux-5.10", 57, false, false, false, false, false, 1, IommuApiMapFlush.PER_CHUNK, true,
      LazyRule.DSI, 255, true, true, false, true),
  LINUX_5_18("linux-5.18", 57, false, false, false, true, false, 1, IommuApiMapFlush.PER_CALL, false,
      LazyRule.CM_FORCES_STRICT, 255, false, false, false, true),
  LINUX_6_1("linux-6.1", 57, true, false, false, true, false, 1, IommuApiMapFlush.PER_CALL, false,
      LazyRule.CM_FORCES_STRICT, 255, false, false, true, true),
  LINUX_6_12("linux-6.12", 57, true, false, false, true, true, 16, IommuApiMapFlush.PER_CALL, false,
      LazyRule.CM_FORCES_STRICT, 255, false, false, true, false);

  /** How the IOMMU-API map path flushes under CM (section 5, section 9). */
  public enum IommuApiMapFlush {
    /** Before 4.18 intel_iommu_map did not flush at all. */
    NONE,
    /** 4.18–5.11: __mapping_notify_one per power-of-two chunk of iommu_map. */
    PER_CHUNK,
    /** ≥5.12: iotlb_sync_map, one flush per iommu_map call. */
    PER_CALL
  }

  /** What lazy (non-strict) DMA-API unmapping does (section 6). */
  public enum LazyRule {
    /** ≤4.13 deferred_flush: CM → one PSI per queued entry; CM=0 → one global flush. */
    PER_ENTRY_PSI_UNDER_CM,
    /** 4.14–5.10 flush queue: a DSI of the domain, even under CM. */
    DSI,
    /** ≥5.11: CM forces strict; CM=0 → flush queue with DSI. */
    CM_FORCES_STRICT
  }

  private final String label;
  private final int defaultAddressWidth;
  private final boolean reservesDid1;
  private final boolean translationBeforeAttach;
  private final boolean globalDetachFlush;
  private final boolean unalignedCorrection;
  private final boolean alignsPsiAddress;
  private final int batchLimit;
  private final IommuApiMapFlush iommuApiMapFlush;
  private final boolean unmapFlushPerChunk;
  private final LazyRule lazyRule;
  private final int flushQueueEntries;
  private final boolean roundsDmaSizeToPowerOfTwo;
  private final boolean writeOnlyMapsReadable;
  private final boolean flushesSuperpageSwitch;
  private final boolean ihOnRegisterPath;

  DriverPreset(String label, int defaultAddressWidth, boolean reservesDid1, boolean translationBeforeAttach,
      boolean globalDetachFlush, boolean unalignedCorrection, boolean alignsPsiAddress, int batchLimit,
      IommuApiMapFlush iommuApiMapFlush, boolean unmapFlushPerChunk, LazyRule lazyRule, int flushQueueEntries,
      boolean roundsDmaSizeToPowerOfTwo, boolean writeOnlyMapsReadable, boolean flushesSuperpageSwitch,
      boolean ihOnRegisterPath) {
    this.label = label;
    this.defaultAddressWidth = defaultAddressWidth;
    this.reservesDid1 = reservesDid1;
    this.translationBeforeAttach = translationBeforeAttach;
    this.globalDetachFlush = globalDetachFlush;
    this.unalignedCorrection = unalignedCorrection;
    this.alignsPsiAddress = alignsPsiAddress;
    this.batchLimit = batchLimit;
    this.iommuApiMapFlush = iommuApiMapFlush;
    this.unmapFlushPerChunk = unmapFlushPerChunk;
    this.lazyRule = lazyRule;
    this.flushQueueEntries = flushQueueEntries;
    this.roundsDmaSizeToPowerOfTwo = roundsDmaSizeToPowerOfTwo;
    this.writeOnlyMapsReadable = writeOnlyMapsReadable;
    this.flushesSuperpageSwitch = flushesSuperpageSwitch;
    this.ihOnRegisterPath = ihOnRegisterPath;
  }

  public String label() {
    return label;
  }

  /** DEFAULT_DOMAIN_ADDRESS_WIDTH: 48 in 4.x, 57 from 5.x (section 1). */
  public int defaultAddressWidth() {
    return defaultAddressWidth;
  }

  /** DID 1 (FLPT_DEFAULT_DID) always reserved in 6.x (section 2); DID 0 always. */
  public boolean reservesDid1() {
    return reservesDid1;
  }

  /** 4.10: TE is enabled in init_dmars, devices attach lazily at their first DMA map (section 1). */
  public boolean translationBeforeAttach() {
    return translationBeforeAttach;
  }

  /** 4.9/4.10 detach: global context-cache + global IOTLB invalidation (section 3). */
  public boolean globalDetachFlush() {
    return globalDetachFlush;
  }

  /** ≥5.18 "Calculate mask for non-aligned flushes" (section 5). */
  public boolean unalignedCorrection() {
    return unalignedCorrection;
  }

  /** 6.10+ cache.c aligns the PSI address down to 4 KiB << AM. */
  public boolean alignsPsiAddress() {
    return alignsPsiAddress;
  }

  /** Invalidation descriptors per submission: 16 with 6.12's qi_batch, 1 before. */
  public int batchLimit() {
    return batchLimit;
  }

  public IommuApiMapFlush iommuApiMapFlush() {
    return iommuApiMapFlush;
  }

  /** ≤5.10: intel_iommu_unmap flushed each iommu_unmap chunk itself; ≥5.11 one iotlb_sync per call. */
  public boolean unmapFlushPerChunk() {
    return unmapFlushPerChunk;
  }

  public LazyRule lazyRule() {
    return lazyRule;
  }

  /** Usable flush-queue entries: 250 (HIGH_WATER_MARK, ≤4.13), 255 of a 256-slot ring (≥4.14). */
  public int flushQueueEntries() {
    return flushQueueEntries;
  }

  /** ≤5.10 Intel dma_ops round every IOVA allocation up to a power of two; dma-iommu only below 32 pages. */
  public boolean roundsDmaSizeToPowerOfTwo() {
    return roundsDmaSizeToPowerOfTwo;
  }

  /** ≤5.10 dma_ops add R to DMA_FROM_DEVICE maps when CAP.ZLR=0 (section 4). */
  public boolean writeOnlyMapsReadable() {
    return writeOnlyMapsReadable;
  }

  /** 6.x switch_to_super_page flushes (IH=0) when it removes present lower tables (section 4). */
  public boolean flushesSuperpageSwitch() {
    return flushesSuperpageSwitch;
  }

  /** IH reaches the register path's IVA (≤6.11); 6.12's descriptor composition dropped it. */
  public boolean ihOnRegisterPath() {
    return ihOnRegisterPath;
  }

  /** ≤5.x advertised every power-of-two page size, so iommu_map chunks are any aligned power of two. */
  public boolean allPowerOfTwoPageSizes() {
    return this == LINUX_4_10 || this == LINUX_5_10 || this == LINUX_5_18;
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
}
