package io.vtdsim.harness.scenario;

/**
 * The {@code driver:} keys of a scenario; a null component takes the default named here.
 *
 * @param preset Linux era; default {@value #DEFAULT_PRESET}
 * @param flush flush policy; default {@value #DEFAULT_FLUSH}
 * @param dmaMode strict | lazy; default {@value #DEFAULT_DMA_MODE}
 */
public record DriverSpec(String preset, String flush, String dmaMode) {
  public static final String DEFAULT_PRESET = "linux-6.12";
  public static final String DEFAULT_FLUSH = "linux";
  public static final String DEFAULT_DMA_MODE = "strict";

  public static final DriverSpec DEFAULTS = new DriverSpec(null, null, null);

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
    return new DriverSpec(p, flush, dmaMode);
  }

  public DriverSpec withFlush(String f) {
    return new DriverSpec(preset, f, dmaMode);
  }

  public DriverSpec withDmaMode(String m) {
    return new DriverSpec(preset, flush, m);
  }
}
