package io.vtdsim.harness.scenario;

/**
 * The {@code driver:} keys of a scenario; a null component takes the default named here.
 *
 * @param preset Linux era; default {@value #DEFAULT_PRESET}
 * @param flush flush policy; default {@value #DEFAULT_FLUSH}
 * @param dmaMode strict | lazy; default {@value #DEFAULT_DMA_MODE}
 * @param waitBound polls of a status word or register before the driver gives up (a
 *     {@code driver-timeout}); default {@code DriverConfig.DEFAULT_WAIT_BOUND}
 * @param vcpus the guest CPUs that call the driver, in turn, one per driver call (per-CPU IOVA caches,
 *     interrupts taken by the calling CPU); default 1
 */
public record DriverSpec(String preset, String flush, String dmaMode, Integer waitBound, Integer vcpus) {
  /** Most {@code driver.vcpus} a scenario may ask for (one thread each). */
  public static final int MAX_VCPUS = 64;
  /** Largest {@code driver.wait-bound} a scenario may set (each poll is an MMIO read or a memory read). */
  public static final int MAX_WAIT_BOUND = 100_000_000;
  public static final String DEFAULT_PRESET = "linux-6.12";
  public static final String DEFAULT_FLUSH = "linux";
  public static final String DEFAULT_DMA_MODE = "strict";

  public static final DriverSpec DEFAULTS = new DriverSpec(null, null, null, null, null);

  /** Without the vCPU key (one vCPU). */
  public DriverSpec(String preset, String flush, String dmaMode, Integer waitBound) {
    this(preset, flush, dmaMode, waitBound, null);
  }

  public int vcpusOrDefault() {
    return vcpus != null ? vcpus : 1;
  }

  public DriverSpec withVcpus(Integer n) {
    return new DriverSpec(preset, flush, dmaMode, waitBound, n);
  }

  /** Preset, flush policy and DMA mode, with the default wait bound. */
  public DriverSpec(String preset, String flush, String dmaMode) {
    this(preset, flush, dmaMode, null);
  }

  public String presetOrDefault() {
    return preset != null ? preset : DEFAULT_PRESET;
  }

  public String flushOrDefault() {
    return flush != null ? flush : DEFAULT_FLUSH;
  }

  public String dmaModeOrDefault() {
    return dmaMode != null ? dmaMode : DEFAULT_DMA_MODE;
  }

  public DriverSpec withPreset(String p) {
    return new DriverSpec(p, flush, dmaMode, waitBound, vcpus);
  }

  public DriverSpec withFlush(String f) {
    return new DriverSpec(preset, f, dmaMode, waitBound, vcpus);
  }

  public DriverSpec withDmaMode(String m) {
    return new DriverSpec(preset, flush, m, waitBound, vcpus);
  }

  public DriverSpec withWaitBound(Integer polls) {
    return new DriverSpec(preset, flush, dmaMode, polls, vcpus);
  }
}
