package io.vtdsim.driver.dma;

import io.vtdsim.driver.DmaMode;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.pagetable.TablePagePool;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;

/**
 * Lazy (non-strict) DMA-API unmapping per era: the ≤4.13 deferred_flush table (one for the driver) or
 * the ≥4.14 per-domain flush queue; entries keep their IOVA and freed table pages until the flush-all.
 * Called under the driver lock; the queues' 10 ms timers take it themselves.
 */
final class LazyUnmaps {
  /** An unmapped range waiting in a lazy flush queue. */
  private record Deferred(Domain domain, long pfn, long pages, List<Long> freelist) {}

  private final DriverConfig config;
  private final DriverPreset preset;
  private final Clock clock;
  private final TablePagePool pool;
  private final Lock lock;
  private final DmaBackend backend;
  private final IovaSpaces iovas;
  private final Map<Domain, LazyFlushQueue<Deferred>> flushQueues = new LinkedHashMap<>();
  private LazyFlushQueue<Deferred> deferred;

  LazyUnmaps(DriverConfig config, Clock clock, TablePagePool pool, Lock lock, DmaBackend backend, IovaSpaces iovas) {
    this.config = config;
    this.preset = config.preset();
    this.clock = clock;
    this.pool = pool;
    this.lock = lock;
    this.backend = backend;
    this.iovas = iovas;
  }

  /**
   * Lazy mode was asked for and the era allows it: 5.11–6.2 CM forces strict; 6.3+ only when DMA domains
   * are not first-stage by default (intel_iommu_init: cap_caching_mode && !first_level_by_default).
   */
  boolean active() {
    if (config.dmaMode() != DmaMode.LAZY) return false;
    if (!backend.cap().cm()) return true;
    return switch (preset.lazyRule()) {
      case CM_FORCES_STRICT -> false;
      case CM_FORCES_STRICT_UNLESS_FIRST_LEVEL -> backend.firstStageDmaDomains();
      default -> true;
    };
  }

  /** Queues an unmapped range; its IOVA and {@code freelist} are released after the flush-all. */
  void add(Domain d, long pfn, long pages, List<Long> freelist) {
    Deferred e = new Deferred(d, pfn, pages, freelist);
    if (preset.lazyRule() == DriverPreset.LazyRule.PER_ENTRY_PSI_UNDER_CM) {
      if (deferred == null) {
        deferred = new LazyFlushQueue<>(clock, preset.flushQueueEntries(), false, this::flushDeferred);
      }
      deferred.add(e, () -> timeout(deferred));
    } else {
      LazyFlushQueue<Deferred> q = flushQueues.computeIfAbsent(d,
          k -> new LazyFlushQueue<>(clock, preset.flushQueueEntries(), true, this::flushDeferred));
      q.add(e, () -> timeout(q));
    }
  }

  /** Drains the flush queue of a domain that lost its last device (before its DID is freed). */
  void drain(Domain d) {
    LazyFlushQueue<Deferred> fq = flushQueues.get(d);
    if (fq != null) fq.flushAll();
  }

  /** IOVAs (first byte of each range) waiting, oldest first. */
  List<Long> pendingIovas() {
    List<Long> out = new ArrayList<>();
    if (deferred != null) deferred.pending().forEach(e -> out.add(e.pfn() << Page.SHIFT));
    for (LazyFlushQueue<Deferred> q : flushQueues.values()) q.pending().forEach(e -> out.add(e.pfn() << Page.SHIFT));
    return out;
  }

  private void timeout(LazyFlushQueue<Deferred> q) {
    lock.lock();
    try {
      q.flushAll();
    } finally {
      lock.unlock();
    }
  }

  /** Flush-all of a lazy queue, then free the IOVAs and table pages (fq_flush_timeout, drivers/iommu/dma-iommu.c). */
  private void flushDeferred(List<Deferred> entries) {
    if (preset.lazyRule() == DriverPreset.LazyRule.PER_ENTRY_PSI_UNDER_CM) {
      if (backend.cap().cm()) {
        // 78d5f0f500e6: under CM no global flush, one PSI per entry
        for (Deferred e : entries) {
          if (e.domain().did() != 0) {
            backend.flush(backend.flushPolicy().range(e.domain().did(), e.pfn(), e.pages(), e.freelist().isEmpty(), false));
          }
        }
      } else {
        backend.flush(List.of(new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false,
            "deferred flush of " + entries.size() + " unmaps, CM=0: global (as Linux ≤4.13)")));
      }
    } else {
      Domain d = entries.get(0).domain();
      if (d.did() != 0) {
        backend.flush(List.of(backend.domainFlush(d, "flush queue: flush-all of " + entries.size() + " unmaps")));
      }
    }
    for (Deferred e : entries) {
      e.freelist().forEach(pool::free);
      iovas.free(e.domain(), e.pfn());
    }
  }
}
