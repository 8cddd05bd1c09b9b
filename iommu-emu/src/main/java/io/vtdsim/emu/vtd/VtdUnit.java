package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.platform.MsiSink;

/**
 * The emulated VT-d DMA-remapping unit. CONTRACT SKELETON — the implementation is in progress on
 * another branch; the public signatures below are fixed.
 */
public final class VtdUnit implements MmioDevice, AutoCloseable {
  private final VtdConfig config;

  public VtdUnit(VtdConfig config, GuestMemory memory, EventLog log, MsiSink msi) {
    this.config = config;
  }

  public VtdConfig config() {
    return config;
  }

  /** Registers a caching-mode observer (the shadow); called synchronously, in order. */
  public void addObserver(RemappingObserver observer) {}

  /** GSTS.TES. */
  public boolean translationEnabled() {
    return false;
  }

  /** The root-table address latched by the last SRTP. */
  public long rootTableAddress() {
    return 0;
  }

  /**
   * Translates a DMA request from {@code sid}: identity while translation is off; otherwise through
   * the caches and tables. Faults are recorded in the fault registers (unless FPD suppresses them)
   * and raise the fault event.
   */
  public TranslationResult translate(int sid, long iova, boolean write) {
    return TranslationResult.identity(iova);
  }

  public Translator translator() {
    return null;
  }

  /** System reset: every register back to its reset value, caches emptied. */
  public void reset() {}

  @Override
  public long read(int offset, int size) {
    return 0;
  }

  @Override
  public void write(int offset, int size, long value) {}

  @Override
  public int windowSize() {
    return config.windowSize();
  }

  @Override
  public String name() {
    return "vtd";
  }

  /** Stops the hardware thread, if any. */
  @Override
  public void close() {}
}
