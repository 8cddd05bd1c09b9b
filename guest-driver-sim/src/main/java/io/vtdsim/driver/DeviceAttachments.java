package io.vtdsim.driver;

import io.vtdsim.driver.domain.Domain;
import io.vtdsim.driver.domain.DomainIdAllocator;
import io.vtdsim.driver.flush.Flush;
import io.vtdsim.driver.pagetable.PageTable;
import io.vtdsim.driver.pagetable.PteFormat;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Domains and device attachment: named domains (created on first use; in scalable mode first- or
 * second-stage as first_level_by_default decides), domain IDs, and in legacy mode the root and context
 * entries (domain_context_mapping_one / domain_context_clear_one in drivers/iommu/intel/iommu.c) with
 * the flushes each era sends around them; in scalable mode {@link ScalableTables} does the tables.
 * Called under the driver lock.
 */
final class DeviceAttachments {
  private final DriverContext ctx;
  private final Flusher flusher;
  private final ScalableTables scalable;
  private final Map<String, Domain> domains = new LinkedHashMap<>();
  private final Map<SourceId, Domain> attached = new HashMap<>();
  private final Map<Integer, Long> contextTables = new HashMap<>();
  private final List<SourceId> lazyBootDevices = new ArrayList<>();
  private DomainIdAllocator dids;
  private Consumer<Domain> lastDeviceDetached = d -> { };

  DeviceAttachments(DriverContext ctx, Flusher flusher) {
    this.ctx = ctx;
    this.flusher = flusher;
    this.scalable = new ScalableTables(ctx, flusher);
  }

  /** The scalable-mode tables (meaningful only when the driver runs scalable mode). */
  ScalableTables scalableTables() {
    return scalable;
  }

  /** Called when a domain loses its last device, before its DID is freed (the DMA API drains its flush queue). */
  void onLastDeviceDetached(Consumer<Domain> action) {
    lastDeviceDetached = action;
  }

  /**
   * iommu_init_domains: DID 0 is always reserved, DID 1 (FLPT_DEFAULT_DID) too where the preset says so,
   * and in 5.x whenever scalable mode runs ("if (sm_supported(iommu)) set_bit(FLPT_DEFAULT_DID, ...)").
   */
  void allocateDomainIds() {
    int firstDid = ctx.preset.reservesDid1() || ctx.scalable ? 2 : 1;
    dids = new DomainIdAllocator(ctx.cap.domainCount(), firstDid);
  }

  /** Attaches each booted device to its default domain (before TE, as ≥5.x probing does). */
  void attachDefaultDomains(List<SourceId> sorted) {
    for (SourceId d : sorted) attachInternal(d, defaultDomainName(d));
  }

  /** 4.10: devices get their default domain at their first DMA map, after TE is on. */
  void attachAtFirstMap(List<SourceId> sorted) {
    lazyBootDevices.addAll(sorted);
  }

  /**
   * Attaches {@code dev}'s IOMMU group (the device alone when it has none) to the named domain (created on
   * first use), member by member in BDF order, each detached from its current domain first (iommu_attach_group).
   * A member that is attached to no domain is probed (a hot-added device, iommu_probe_device): after its
   * context entry the era may flush the whole domain ({@link DriverPreset#probeFlush()}).
   */
  void attach(SourceId dev, String domainName) {
    if (domainName == null || domainName.isBlank()) throw new IllegalArgumentException("domain name is required");
    for (SourceId member : group(dev)) {
      Domain target = domainOrCreate(domainName);
      boolean probe = !attached.containsKey(member) && !lazyBootDevices.contains(member);
      DriverPreset.ProbeFlush pf = probe ? ctx.preset.probeFlush() : DriverPreset.ProbeFlush.NONE;
      if (pf == DriverPreset.ProbeFlush.BEFORE_ATTACH) probeFlush(member, target);
      attachInternal(member, domainName);
      if (pf == DriverPreset.ProbeFlush.AFTER_ATTACH) probeFlush(member, target);
    }
  }

  /**
   * Detaches {@code dev}'s IOMMU group (the device alone when it has none): each attached member's context
   * entry is cleared and flushed per era, in BDF order; DMA then faults.
   */
  void detach(SourceId dev) {
    if (!attached.containsKey(dev)) throw new IllegalStateException("device " + dev + " is not attached");
    for (SourceId member : group(dev)) {
      if (attached.containsKey(member)) detachInternal(member);
    }
  }

  /** The devices of {@code dev}'s IOMMU group (DriverConfig.groups) in BDF order; the device alone without a group. */
  List<SourceId> group(SourceId dev) {
    String g = ctx.config.groups().get(dev);
    if (g == null) return List.of(dev);
    List<SourceId> members = new ArrayList<>();
    ctx.config.groups().forEach((d, name) -> {
      if (name.equals(g)) members.add(d);
    });
    members.sort((a, b) -> Integer.compare(a.sid(), b.sid()));
    return members;
  }

  /**
   * iommu_create_device_direct_mappings ends with iommu_flush_iotlb_all on the default domain
   * (drivers/iommu/iommu.c); intel_flush_iotlb_all sends a DSI per unit the domain has a DID on. Sent
   * only while the domain has a DID (no device attached: nothing to flush, as at boot).
   */
  private void probeFlush(SourceId dev, Domain d) {
    if (d.did() == 0) return;
    flusher.flush(List.of(flusher.domainFlush(d,
        "probe " + dev + ": iommu_create_device_direct_mappings flushes the whole domain (as Linux)")));
  }

  Domain domain(String name) {
    Domain d = domains.get(name);
    if (d == null) throw new IllegalArgumentException("unknown domain '" + name + "'; known: " + domains.keySet());
    return d;
  }

  /**
   * The named domain, created on first use: default domains are IOMMU_DOMAIN_DMA, every other one an
   * IOMMU-API (IOMMU_DOMAIN_UNMANAGED) domain; the stage is first_level_by_default's. Superpages: the
   * second level's from CAP.SLLPS, the first stage's 2 MiB always and 1 GiB with CAP.FS1GP
   * (domain_update_iommu_superpage).
   */
  Domain domainOrCreate(String name) {
    return domains.computeIfAbsent(name, n -> {
      int levels = AddressWidth.levelsOfAgaw(ctx.agaw);
      if (ctx.firstStageByDefault(!n.startsWith(DEFAULT_PREFIX))) {
        PteFormat format = PteFormat.firstStage(ctx.preset.firstLevelPresetsAccessed(), ctx.preset.firstLevelExecuteDisable());
        return new Domain(n, new PageTable(ctx.memory, ctx.pool, levels, ctx.cap.fl1gp() ? 2 : 1, format));
      }
      int sp = ctx.cap.supports1G() ? 2 : ctx.cap.supports2M() ? 1 : 0;
      return new Domain(n, new PageTable(ctx.memory, ctx.pool, levels, sp));
    });
  }

  /** Names of default (IOMMU_DOMAIN_DMA) domains start with this. */
  static final String DEFAULT_PREFIX = "default:";

  /** The domain a device is attached to. */
  Optional<String> domainOf(SourceId dev) {
    Domain d = attached.get(dev);
    return d == null ? Optional.empty() : Optional.of(d.name());
  }

  /** The domain DMA-API calls use: the attached one; 4.10 attaches a booted device at its first map. */
  Domain dmaDomain(SourceId dev) {
    Domain d = attached.get(dev);
    if (d == null && lazyBootDevices.contains(dev)) {
      attachInternal(dev, defaultDomainName(dev));
      d = attached.get(dev);
    }
    if (d == null) throw new IllegalStateException("device " + dev + " is not attached to a domain");
    return d;
  }

  Domain attachedDomain(SourceId dev) {
    Domain d = attached.get(dev);
    if (d == null) throw new IllegalStateException("device " + dev + " is not attached to a domain");
    return d;
  }

  private String defaultDomainName(SourceId d) {
    if (!ctx.preset.translationBeforeAttach()) {
      String g = ctx.config.groups().get(d);
      if (g != null) return DEFAULT_PREFIX + g;
    }
    return DEFAULT_PREFIX + d;
  }

  private void attachInternal(SourceId dev, String domainName) {
    Domain target = domainOrCreate(domainName);
    Domain current = attached.get(dev);
    if (current == target) return;
    if (current != null) detachInternal(dev);
    if (target.did() == 0) target.did(dids.allocate());
    if (ctx.scalable) {
      try {
        scalable.attach(dev, target);
      } catch (DriverException e) {
        // "Setup RID2PASID failed": the device stays without a domain
        if (target.devices().isEmpty()) {
          dids.free(target.did());
          target.did(0);
        }
        throw e;
      }
      target.addDevice(dev);
      attached.put(dev, target);
      return;
    }
    long entry = ContextEntry.address(contextTable(dev.bus()), dev.devfn());
    ContextEntry ce = new ContextEntry(true, false, TranslationType.MULTI_LEVEL, target.table().root(), ctx.agaw,
        target.did());
    // fill DID/AW/TT/SLPTPTR, then P last
    ctx.memory.write64(entry + 8, ce.hi());
    ctx.memory.write64(entry, ce.lo());
    if (ctx.cap.cm()) {
      // CM: not-present entries may be cached under DID 0 → device-selective CC with DID 0, then DSI
      flusher.invalidate(List.of(ContextCacheInvalidation.device(0, dev.sid(), 0)));
      Flush dsi = new Flush(Flush.Kind.DSI, target.did(), 0, 0, false,
          "attach " + dev + " under CM: DSI on the new DID (as Linux)");
      flusher.flush(List.of(dsi));
    } else {
      flusher.writeBufferFlush();
    }
    target.addDevice(dev);
    attached.put(dev, target);
  }

  private void detachInternal(SourceId dev) {
    Domain d = attached.remove(dev);
    if (ctx.scalable) {
      scalable.detach(dev);
      released(dev, d);
      return;
    }
    long entry = ContextEntry.address(contextTable(dev.bus()), dev.devfn());
    int oldDid = ContextEntry.decode(ctx.memory.read64(entry), ctx.memory.read64(entry + 8)).did();
    // clear P first, then the rest
    ctx.memory.write64(entry, 0);
    ctx.memory.write64(entry + 8, 0);
    if (ctx.preset.globalDetachFlush()) {
      flusher.invalidate(List.of(ContextCacheInvalidation.global()));
      flusher.flush(List.of(new Flush(Flush.Kind.GLOBAL, 0, 0, 0, false, "detach " + dev + ": global IOTLB (as Linux 4.x)")));
    } else {
      flusher.invalidate(List.of(ContextCacheInvalidation.device(oldDid, dev.sid(), 0)));
      flusher.flush(List.of(new Flush(Flush.Kind.DSI, oldDid, 0, 0, false,
          "detach " + dev + ": DSI on the old DID (as Linux ≥5.x)")));
    }
    released(dev, d);
  }

  /** {@code dev} left {@code d}: a domain without devices drains its flush queue and gives its DID back. */
  private void released(SourceId dev, Domain d) {
    d.removeDevice(dev);
    if (d.devices().isEmpty()) {
      lastDeviceDetached.accept(d);
      dids.free(d.did());
      d.did(0);
    }
  }

  /** The context table of a bus, allocating it and setting the root entry on first use. */
  private long contextTable(int bus) {
    return contextTables.computeIfAbsent(bus, b -> {
      long table = ctx.pool.allocate();
      long root = RootEntry.address(ctx.rootTable, b);
      ctx.memory.write64(root + 8, 0);
      ctx.memory.write64(root, new RootEntry(true, table).lo());
      return table;
    });
  }
}
