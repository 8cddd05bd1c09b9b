package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;

/**
 * Legacy-mode DMA address translation with a context cache and an IOTLB (VT-d spec 3.4, 3.6, 6.2,
 * 9). CONTRACT SKELETON — implementation in progress on another branch; signatures are fixed.
 */
public final class Translator {
  private final VtdConfig config;
  private final GuestMemory memory;
  private final EventLog log;

  public Translator(VtdConfig config, GuestMemory memory, EventLog log) {
    this.config = config;
    this.memory = memory;
    this.log = log;
  }

  /**
   * Translates a request of {@code sid} for {@code iova} with translation enabled and the given root
   * table, using and filling the caches. Faults are returned, not recorded (the caller records them).
   *
   * @param write true for a write request, false for a read
   */
  public TranslationResult translate(long rootTable, int sid, long iova, boolean write) {
    throw new UnsupportedOperationException("translation: in progress");
  }

  /** Drops every cached context entry and every IOTLB entry (reset, TE and SRTP). */
  public void resetCaches() {}

  public void invalidateContextGlobal() {}

  public void invalidateContextDomain(int did) {}

  /** Device-selective: SID with function mask FM (0..3 low devfn bits ignored: 0, bit 2, bits 2:1, bits 2:0). */
  public void invalidateContextDevice(int sid, int fm) {}

  public void invalidateIotlbGlobal() {}

  public void invalidateIotlbDomain(int did) {}

  /** PSI: drops entries of {@code did} in the 2^am-page block containing {@code address}; ih keeps paging-structure entries. */
  public void invalidateIotlbPage(int did, long address, int am, boolean ih) {}

  /** Number of entries currently in the IOTLB (for tests and reports). */
  public int iotlbSize() {
    return 0;
  }

  /** Number of entries currently in the context cache. */
  public int contextCacheSize() {
    return 0;
  }
}
