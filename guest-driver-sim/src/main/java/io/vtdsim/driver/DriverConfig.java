package io.vtdsim.driver;

import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Configuration of the guest driver.
 *
 * @param preset the Linux era reproduced
 * @param flush flush policy on top of the preset
 * @param dmaMode DMA-API strict or lazy (the preset may force strict under CM)
 * @param mmioBase base of the remapping unit's register window
 * @param tablePoolBase first byte of the guest RAM the driver allocates its own pages from
 *     (root/context/page tables, the queue, status words)
 * @param tablePoolSize bytes of that pool
 * @param waitBound polls of a status word or register before {@link DriverTimeoutException}
 * @param groups IOMMU groups: devices mapped to the same group name share a default domain (and DID)
 * @param dmaMask the devices' DMA mask (limits IOVAs)
 * @param faultMsiAddress fault-event MSI address written to FEADDR/FEUADDR
 * @param faultMsiData fault-event MSI data written to FEDATA
 * @param scalableMode intel_iommu=sm_on|sm_off, or the era's default ({@link ScalableMode})
 */
public record DriverConfig(
    DriverPreset preset,
    FlushPolicyName flush,
    DmaMode dmaMode,
    long mmioBase,
    long tablePoolBase,
    long tablePoolSize,
    int waitBound,
    Map<SourceId, String> groups,
    long dmaMask,
    long faultMsiAddress,
    int faultMsiData,
    ScalableMode scalableMode) {

  /** Default pool: 16 MiB at 16 MiB. */
  public static final long DEFAULT_POOL_BASE = 0x100_0000L;
  public static final long DEFAULT_POOL_SIZE = 0x100_0000L;
  public static final int DEFAULT_WAIT_BOUND = 1_000_000;
  /** The fault MSI a 6.1 guest programmed (docs/linux-6.1-trace.md §1). */
  public static final long DEFAULT_FAULT_MSI_ADDRESS = 0xFEE0_1004L;
  public static final int DEFAULT_FAULT_MSI_DATA = 0x21;

  public DriverConfig {
    if (preset == null || flush == null || dmaMode == null || scalableMode == null) {
      throw new IllegalArgumentException("preset, flush policy, DMA mode and scalable mode are required");
    }
    if ((tablePoolBase & Page.OFFSET_MASK) != 0 || (tablePoolSize & Page.OFFSET_MASK) != 0 || tablePoolSize < 4 * Page.SIZE) {
      throw new IllegalArgumentException(String.format(
          "table pool must be page aligned and at least 4 pages: base 0x%x size 0x%x", tablePoolBase, tablePoolSize));
    }
    if (waitBound < 1) throw new IllegalArgumentException("waitBound must be ≥ 1: " + waitBound);
    if (dmaMask < Page.OFFSET_MASK && dmaMask != -1L) throw new IllegalArgumentException("DMA mask too small: " + dmaMask);
    groups = Map.copyOf(groups == null ? Map.of() : groups);
  }

  /** Defaults for a preset: linux flush policy, strict, unit at the default base, 16 MiB pool at 16 MiB. */
  public static DriverConfig of(String preset) {
    return of(DriverPreset.parse(preset));
  }

  public static DriverConfig of(DriverPreset preset) {
    return new DriverConfig(preset, FlushPolicyName.LINUX, DmaMode.STRICT, Registers.DEFAULT_BASE,
        DEFAULT_POOL_BASE, DEFAULT_POOL_SIZE, DEFAULT_WAIT_BOUND, Map.of(), -1L,
        DEFAULT_FAULT_MSI_ADDRESS, DEFAULT_FAULT_MSI_DATA, ScalableMode.DEFAULT);
  }

  public DriverConfig withFlush(FlushPolicyName f) {
    return new DriverConfig(preset, f, dmaMode, mmioBase, tablePoolBase, tablePoolSize, waitBound, groups, dmaMask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  public DriverConfig withDmaMode(DmaMode m) {
    return new DriverConfig(preset, flush, m, mmioBase, tablePoolBase, tablePoolSize, waitBound, groups, dmaMask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  public DriverConfig withMmioBase(long base) {
    return new DriverConfig(preset, flush, dmaMode, base, tablePoolBase, tablePoolSize, waitBound, groups, dmaMask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  public DriverConfig withTablePool(long base, long size) {
    return new DriverConfig(preset, flush, dmaMode, mmioBase, base, size, waitBound, groups, dmaMask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  public DriverConfig withWaitBound(int bound) {
    return new DriverConfig(preset, flush, dmaMode, mmioBase, tablePoolBase, tablePoolSize, bound, groups, dmaMask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  public DriverConfig withGroups(Map<SourceId, String> g) {
    return new DriverConfig(preset, flush, dmaMode, mmioBase, tablePoolBase, tablePoolSize, waitBound, g, dmaMask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  /** Adds devices to one IOMMU group. */
  public DriverConfig withGroup(String group, SourceId... devices) {
    Map<SourceId, String> g = new LinkedHashMap<>(groups);
    for (SourceId d : devices) g.put(d, group);
    return withGroups(g);
  }

  public DriverConfig withDmaMask(long mask) {
    return new DriverConfig(preset, flush, dmaMode, mmioBase, tablePoolBase, tablePoolSize, waitBound, groups, mask,
        faultMsiAddress, faultMsiData, scalableMode);
  }

  /** intel_iommu=sm_on / sm_off, or {@link ScalableMode#DEFAULT} (the era's kernel default). */
  public DriverConfig withScalableMode(ScalableMode m) {
    return new DriverConfig(preset, flush, dmaMode, mmioBase, tablePoolBase, tablePoolSize, waitBound, groups, dmaMask,
        faultMsiAddress, faultMsiData, m);
  }
}
