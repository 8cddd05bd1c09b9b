package io.vtdsim.driver;

import io.vtdsim.driver.flush.FlushPolicy;
import io.vtdsim.driver.pagetable.TablePagePool;
import io.vtdsim.driver.qi.Invalidator;
import io.vtdsim.driver.qi.UnitMmio;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the driver's parts share: the machine (MMIO, guest memory, clock, log), the configuration, the
 * page pool, the one driver lock, and what {@link UnitBringUp} learnt from the unit at boot. Fields are
 * read and written under {@link #lock} (the {@link IntelIommuDriver} facade takes it), except the
 * unlocked {@code agaw()} and {@code rootTableAddress()} reads, which see values boot has published.
 */
final class DriverContext {
  final GuestMemory memory;
  final Clock clock;
  final EventLog log;
  final DriverConfig config;
  final DriverPreset preset;
  final UnitMmio mmio;
  final TablePagePool pool;
  /** Serialises every API call (several vCPU threads share the invalidation queue) and flush-queue timers. */
  final ReentrantLock lock = new ReentrantLock();

  // set during boot by UnitBringUp
  Capability cap;
  ExtendedCapability ecap;
  int agaw;
  /** Shadow of the persistent GCMD enables (TE, QIE, IRE), as Linux's iommu->gcmd. */
  int gcmd;
  long rootTable;
  /** Scalable mode (RTADDR.TTM = 01b): ECAP.SMTS, the era and intel_iommu=sm_on|sm_off agreed (sm_supported). */
  boolean scalable;
  Invalidator invalidator;
  FlushPolicy flushPolicy;
  boolean booted;
  /** After {@link UnitBringUp#shutdown}: the guest is going down, no further calls. */
  boolean shutDown;

  DriverContext(UnitMmio mmio, GuestMemory memory, Clock clock, EventLog log, DriverConfig config) {
    this.memory = memory;
    this.clock = clock;
    this.log = log;
    this.config = config;
    this.preset = config.preset();
    this.mmio = mmio;
    this.pool = new TablePagePool(memory, config.tablePoolBase(), config.tablePoolSize());
  }

  /**
   * first_level_by_default for a new domain: never in legacy mode; 5.6–5.14 whenever ECAP.FLTS; 5.15+
   * the one stage offered when only one of FLTS/SSTS is, else first level except for IOMMU-API
   * (IOMMU_DOMAIN_UNMANAGED) domains.
   *
   * @param unmanaged an IOMMU-API domain rather than a DMA-API default domain
   */
  boolean firstStageByDefault(boolean unmanaged) {
    if (!scalable) return false;
    return switch (preset.firstLevelDefault()) {
      case NEVER -> false;
      case WHEN_OFFERED -> ecap.fsts();
      case SECOND_LEVEL_FOR_UNMANAGED -> ecap.fsts() != ecap.ssts() ? ecap.fsts() : !unmanaged;
    };
  }

  void requireBooted() {
    if (!booted) throw new IllegalStateException("the driver is not booted: call boot() first");
    if (shutDown) throw new IllegalStateException("the driver is shut down");
  }
}
