package io.vtdsim.emu.shadow;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FunctionMask;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.ContextLookup;
import io.vtdsim.emu.vtd.ScalableContextLookup;
import io.vtdsim.emu.vtd.RemappingObserver;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.emu.shadow.ShadowContext.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Caching-mode shadowing of one VT-d unit into the host containers of its assigned devices, as
 * QEMU's intel-iommu + vfio (hw/i386/intel_iommu.c, hw/vfio/common.c). Registers itself as the unit's
 * {@link RemappingObserver}; learns the unit's state only from those callbacks (TE, SRTP, executed
 * invalidations) and from guest memory, which it walks itself — never through the unit's translator
 * or IOTLB.
 *
 * <p>Each {@link #attach attached} device has an address space that is either
 * <b>identity</b> (TE off, or a pass-through context: guest RAM mapped 1:1, as QEMU's no-DMAR alias)
 * or <b>translated</b> (its two notifiers follow the guest tables). Common to every strategy:
 *
 * <ul>
 *   <li>TE change and SRTP ({@code vtd_address_space_refresh_all}): every translated address space
 *       UNMAPs each notifier's whole range, then every address space is switched to the mode the new
 *       state asks for. A switch to translated is followed by vfio's replay; staying translated
 *       (SRTP) is not — mappings come back through later invalidations.
 *   <li>Invalidations reach only translated address spaces (those with notifiers), except the
 *       device-selective context invalidation; DID matching uses the context entry as it is now in
 *       guest memory. What happens then is the {@link ShadowSync strategy}'s choice.
 * </ul>
 *
 * <p>Scalable mode (RTADDR.TTM = 01b at SRTP): the device's translation structure is the PASID-table
 * entry of its RID_PASID ({@link ShadowContext}): PGTT second-stage is walked at SSPTPTR with its AW
 * and DID, pass-through is identity, first-stage and nested give the host nothing (QEMU's shadow walks
 * second-stage tables only). Linux flushes second-stage domains with the legacy DID-based IOTLB
 * invalidations in scalable mode too, so the strategies run unchanged; PASID-based IOTLB invalidations
 * do not concern second-stage mappings (spec 6.5.2.4) and are ignored. A PASID-cache invalidation
 * covering the device drops its cached entry and acts as a device-selective context invalidation
 * (the entry may have been re-pointed or torn down; spec 6.5.2.2). QEMU re-reads PASID entries there
 * only with x-flts (vtd_pasid_cache_sync); without it its shadow learns a changed entry at the DSI
 * Linux sends next (pasid_flush_caches), whose sync re-reads it.
 */
public final class CachingModeShadow implements RemappingObserver {
  public static final String SOURCE = "shadow";
  public static final String WALK = EventKind.WALK.label();
  public static final String NOTIFY = EventKind.NOTIFY.label();
  public static final String SWITCH = EventKind.SWITCH.label();
  /** QEMU's refusal (vtd_dev_set_iommu_device; machine-init-done before 2024). */
  public static final String CACHING_MODE_REQUIRED =
      "Device assignment is not allowed without enabling caching-mode=on for Intel IOMMU.";

  /** What an address space currently is. */
  public enum Mode {
    IDENTITY("identity"),
    TRANSLATED("translated");

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** Walk flavours: which events are sent, through the IOVA tree or not, which QEMU walk. */
  enum Walk {
    /** vtd_page_walk_one with the tree, notify_unmap = true. */
    TREE(true, true, true),
    /** Replay since 2023: tree, notify_unmap = false. */
    TREE_MAP_ONLY(false, true, true),
    /** 2017 walk: every event straight to vfio, invalid non-leaf entries skipped. */
    DIRECT_PRE_2018(true, false, false),
    /** 2017 replay: MAPs only. */
    DIRECT_MAP_ONLY_PRE_2018(false, false, false);

    final boolean notifyUnmap;
    final boolean tree;
    final boolean unmapInvalidTables;

    Walk(boolean notifyUnmap, boolean tree, boolean unmapInvalidTables) {
      this.notifyUnmap = notifyUnmap;
      this.tree = tree;
      this.unmapInvalidTables = unmapInvalidTables;
    }
  }

  private final VtdUnit unit;
  private final GuestMemory memory;
  private final EventLog log;
  private final ShadowSync strategy;
  private final VtdConfig config;
  private final int awBits;
  private final GuestTableWalker walker;
  private final TreeMap<Integer, AddressSpace> spaces = new TreeMap<>();
  /** The same spaces in source-id order, for the invalidation path (no iterator, no list per call). */
  private AddressSpace[] spaceArray = new AddressSpace[0];
  private boolean translationEnabled;
  private long rootTable;
  private RootTableAddress.Mode rootMode;
  private boolean allowWithoutCachingMode;

  /**
   * @param unit the remapping unit whose invalidations drive the shadow (this registers itself as
   *     its observer and takes TE / root-table state from it now, and from callbacks afterwards)
   * @param memory guest memory holding the guest's tables
   */
  public CachingModeShadow(VtdUnit unit, GuestMemory memory, EventLog log, ShadowSync strategy) {
    if (unit == null || memory == null || log == null || strategy == null) {
      throw new IllegalArgumentException("unit, memory, log and strategy are required");
    }
    this.unit = unit;
    this.memory = memory;
    this.log = log;
    this.strategy = strategy;
    this.config = unit.config();
    this.awBits = config.cap().guestAddressWidth();
    this.walker = new GuestTableWalker(memory, config.hostAddressWidth(), config.ecap().sc(),
        config.cap().supports2M(), config.cap().supports1G());
    this.translationEnabled = unit.translationEnabled();
    this.rootTable = unit.rootTableAddress();
    this.rootMode = unit.rootTableMode();
    unit.addObserver(this);
  }

  /** Most guest-table entries one shadow walk visits (512 per 4 KiB page of guest RAM). */
  public long walkEntryBudget() {
    return walker.entryBudget();
  }

  /** Most MAP notifications one shadow walk emits (one per 4 KiB page of guest RAM). */
  public long walkMappingBudget() {
    return walker.mappingBudget();
  }

  public ShadowSync strategy() {
    return strategy;
  }

  public VtdUnit unit() {
    return unit;
  }

  /**
   * Lets devices be assigned although CAP.CM=0 — for teaching why caching mode is needed: the guest
   * then sends no invalidation for new mappings and the host never learns of them.
   */
  public synchronized CachingModeShadow allowWithoutCachingMode(boolean allow) {
    this.allowWithoutCachingMode = allow;
    return this;
  }

  /**
   * Assigns a device: creates its address space and brings the container in line with the current
   * state (identity map of guest RAM, or vfio's notifier registration + replay).
   *
   * @throws IllegalStateException with QEMU's reason when CAP.CM=0 (unless allowed), or when the
   *     device is already attached
   */
  public synchronized void attach(SourceId sid, HostContainer container) {
    if (sid == null || container == null) throw new IllegalArgumentException("sid and container are required");
    if (!config.cap().cm() && !allowWithoutCachingMode) throw new IllegalStateException(CACHING_MODE_REQUIRED);
    if (spaces.containsKey(sid.sid())) throw new IllegalStateException("device " + sid + " is already attached");
    AddressSpace as = new AddressSpace(sid, container, log);
    spaces.put(sid.sid(), as);
    spaceArray = spaces.values().toArray(new AddressSpace[0]);
    switchMode(as);
  }

  /** The current mode of an attached device's address space. */
  public synchronized Optional<Mode> mode(SourceId sid) {
    AddressSpace as = spaces.get(sid.sid());
    return as == null ? Optional.empty() : Optional.of(as.mode);
  }

  /** Attached devices, by source-id. */
  public synchronized List<SourceId> attached() {
    List<SourceId> out = new ArrayList<>();
    for (AddressSpace as : spaces.values()) out.add(as.sid);
    return out;
  }

  /** Entries in the device's IOVA tree (what iova-tree believes is mapped; 0 for the other strategies). */
  public synchronized int trackedMappings(SourceId sid) {
    AddressSpace as = spaces.get(sid.sid());
    return as == null ? 0 : as.tree.size();
  }

  // ---- RemappingObserver ----

  @Override
  public synchronized void translationEnableChanged(boolean enabled) {
    translationEnabled = enabled;
    forgetContexts();
    refreshAll();
  }

  /** SRTP of a legacy-mode root table. */
  @Override
  public synchronized void rootTablePointerSet(long root) {
    rootTablePointerSet(root, RootTableAddress.Mode.LEGACY);
  }

  @Override
  public synchronized void rootTablePointerSet(long root, RootTableAddress.Mode mode) {
    rootTable = root;
    rootMode = mode;
    forgetContexts();
    refreshAll();
  }

  /**
   * Scalable mode: each address space whose RID_PASID entry the invalidation covers (global; by the
   * DID of the entry cached or now in memory; or that DID and the RID_PASID) re-reads its entry and is
   * handled as by a device-selective context invalidation.
   */
  @Override
  public synchronized void pasidCacheInvalidated(PasidCacheInvalidation inv) {
    if (rootMode != RootTableAddress.Mode.SCALABLE) return;
    for (AddressSpace as : new ArrayList<>(spaces.values())) {
      ShadowContext cached = as.context;
      ScalableContextLookup.Result now = ScalableContextLookup.lookup(memory, rootTable, as.sid.sid(), config);
      boolean covered = switch (inv.granularity()) {
        case GLOBAL -> true;
        case DOMAIN -> didIs(cached, inv.did()) || didIs(now, inv.did());
        case PASID -> (didIs(cached, inv.did()) || didIs(now, inv.did())) && now.pasid() == inv.pasid();
      };
      if (!covered) continue;
      as.context = null;
      strategy.deviceContextInvalidated(this, as);
    }
  }

  private static boolean didIs(ShadowContext c, int did) {
    return c != null && c.ok() && c.did() == did;
  }

  private static boolean didIs(ScalableContextLookup.Result r, int did) {
    return r.entry() != null && r.entry().did() == did;
  }

  @Override
  public synchronized void contextCacheInvalidated(ContextCacheInvalidation inv) {
    switch (inv.granularity()) {
      case GLOBAL, DOMAIN -> {
        forgetContexts(); // domain-selective: the entries' DIDs may be what changed, so all of them
        strategy.allContextsInvalidated(this, new ArrayList<>(spaces.values()));
      }
      case DEVICE -> {
        for (AddressSpace as : new ArrayList<>(spaces.values())) {
          if (FunctionMask.matches(as.sid.sid(), inv.sid(), inv.fm())) {
            as.context = null;
            strategy.deviceContextInvalidated(this, as);
          }
        }
      }
    }
  }

  @Override
  public synchronized void iotlbInvalidated(IotlbInvalidation inv) {
    iotlbInvalidated(inv.granularity().encoding(), inv.did(), inv.alignedBase(), inv.coveredSize());
  }

  /** The queue's invalidation as its descriptor words: the same as the record, nothing decoded into an object. */
  @Override
  public synchronized void iotlbInvalidated(long lo, long hi) {
    int am = IotlbInvalidation.amOf(hi);
    long size = 1L << (Page.SHIFT + am);
    iotlbInvalidated(IotlbInvalidation.granularityOf(lo), IotlbInvalidation.didOf(lo),
        IotlbInvalidation.addressOf(hi) & -size, size);
  }

  /** {@code granularity} as encoded (1 global, 2 domain, 3 page); a PSI covers [start, start+size). */
  private void iotlbInvalidated(int granularity, int did, long start, long size) {
    for (AddressSpace as : spaceArray) {
      if (as.mode != Mode.TRANSLATED) continue;
      if (granularity == 1) {
        strategy.globalIotlbInvalidated(this, as);
        continue;
      }
      ShadowContext r = context(as);
      if (!r.ok() || r.did() != did) continue;
      if (granularity == 2) {
        strategy.domainInvalidated(this, as);
      } else {
        // The spec (6.5.2.3) and real hardware ignore ADDR's low bits: the PSI covers the
        // naturally aligned 2^AM-page block containing ADDR. QEMU's shadow walk instead starts
        // at the unaligned ADDR (its IOTLB invalidation does align); we model the spec.
        strategy.pageInvalidated(this, as, r, start, start + size);
      }
    }
  }

  // ---- machinery the strategies use ----

  /** vtd_address_space_refresh_all (TE, SRTP): unmap every translated notifier range, then switch. */
  private void refreshAll() {
    for (AddressSpace as : new ArrayList<>(spaces.values())) {
      if (as.mode == Mode.TRANSLATED) unmapAll(as);
      switchMode(as);
    }
  }

  /**
   * vtd_switch_address_space + vfio's listener: moves the address space to the mode the unit's state
   * asks for. Leaving translated: vfio's region_del unmaps the IOMMU sections; leaving identity: the
   * RAM sections are unmapped. Entering identity maps RAM 1:1; entering translated registers the
   * notifiers and replays (the strategy's replay).
   *
   * @return true when the address space became translated and was replayed
   */
  boolean switchMode(AddressSpace as) {
    Mode want = desiredMode(as);
    if (want == as.mode) return false;
    if (as.mode == Mode.TRANSLATED) as.unmapIommuSections(awBits);
    if (as.mode == Mode.IDENTITY) as.unmapIdentity(memory);
    as.mode = want;
    log.emit(SOURCE, new EventBody.ShadowSwitch(as.device, want.label()));
    if (want == Mode.IDENTITY) {
      as.mapIdentity(memory);
      return false;
    }
    strategy.replay(this, as);
    return true;
  }

  private Mode desiredMode(AddressSpace as) {
    if (!translationEnabled) return Mode.IDENTITY;
    ShadowContext r = context(as);
    return r.ok() && r.kind() == Kind.PASS_THROUGH ? Mode.IDENTITY : Mode.TRANSLATED;
  }

  /**
   * The device's context entry (scalable mode: its RID_PASID's PASID-table entry), read from guest
   * memory once and then kept until a context-cache invalidation covering the device, SRTP or TE
   * drops it (spec 6.5.1; in scalable mode also a PASID-cache invalidation, 6.5.2.2). QEMU re-reads
   * it at every invalidation (vtd_dev_to_context_entry); the two differ only for a guest that changes
   * a present entry without the invalidation the spec requires.
   */
  ShadowContext context(AddressSpace as) {
    ShadowContext r = as.context;
    if (r != null) return r;
    int sid = as.sid.sid();
    if (rootMode == RootTableAddress.Mode.LEGACY) {
      r = ShadowContext.of(ContextLookup.lookup(memory, rootTable, sid, config));
    } else if (RootTableAddress.supported(rootMode, config.ecap())) {
      r = ShadowContext.of(ScalableContextLookup.lookup(memory, rootTable, sid, config));
    } else {
      r = ShadowContext.fault(FaultReason.ROOT_TABLE_MODE_INVALID); // every request faults (0x31)
    }
    if (r.ok()) as.context = r;
    return r;
  }

  /** vtd_address_space_unmap: UNMAP of each notifier's whole range in aligned chunks; the tree is emptied. */
  void unmapAll(AddressSpace as) {
    as.unmapNotifierRanges(awBits);
  }

  /**
   * vtd_address_space_sync (iova-tree): context not present → unmap all; any other lookup error →
   * leave the shadow untouched; otherwise a full walk with notify_unmap.
   */
  void sync(AddressSpace as, String reason) {
    ShadowContext r = context(as);
    if (r.absent()) {
      unmapAll(as);
    } else if (r.ok()) {
      walkRange(as, r, 0, Long.MAX_VALUE, reason, Walk.TREE);
    }
  }

  private void forgetContexts() {
    for (AddressSpace as : spaceArray) as.context = null;
  }

  /** Walks the whole address space if the current context entry is present and translating. */
  void walkAll(AddressSpace as, String reason, Walk walk) {
    ShadowContext r = context(as);
    if (r.ok()) walkRange(as, r, 0, Long.MAX_VALUE, reason, walk);
  }

  /**
   * Walks [start, end) ∩ [0, 2^min(AGAW, aw)) of the context's second-stage tables and emits the resulting
   * notifier events, then one {@code shadow.walk} event with the number of entries visited. A walk
   * that hit the walker's budget (a misbehaving guest's aliased tables) ends early; its event's
   * reason then reads {@code aborted: ...} and names the walk it cut short.
   */
  void walkRange(AddressSpace as, ShadowContext ce, long start, long end, String reason, Walk walk) {
    if (ce.kind() != Kind.SECOND_STAGE) return;
    long limit = ce.limit(awBits);
    if (start >= limit) return; // as QEMU: a start beyond the limit walks nothing
    long stop = Math.min(end, limit);
    GuestTableWalker.SlotSink sink = walk.tree ? as.treeSink(walk.notifyUnmap) : directSink(as, walk.notifyUnmap);
    walker.run(ce.table(), ce.levels(), start, stop, walk.unmapInvalidTables, sink);
    if (log.building()) {
      log.emit(SOURCE, new EventBody.ShadowWalk(as.device, start, stop, walker.lastEntries(), reason, walker.lastAborted()));
    } else {
      log.intake().shadowWalk(start, stop, walker.lastEntries());
    }
  }

  /** vtd_page_walk_one: events filtered through the address space's IOVA tree. */
  static GuestTableWalker.SlotSink treeSink(AddressSpace as, boolean notifyUnmap) {
    IovaTree tree = as.tree;
    return (iova, size, gpa, perm) -> {
      if (perm != 0) {
        if (tree.containsExactly(iova, size, gpa, perm)) return; // identical: skip
        if (tree.overlaps(iova, size)) {
          // translation changed: UNMAP the new slot first (a short window with no mapping, as QEMU)
          as.notifyUnmap(iova, size);
          tree.removeOverlapping(iova, size);
        }
        tree.insert(iova, size, gpa, perm);
        as.notifyMap(iova, size, gpa, perm);
      } else if (notifyUnmap && tree.overlaps(iova, size)) {
        tree.removeOverlapping(iova, size);
        as.notifyUnmap(iova, size);
      }
    };
  }

  private static GuestTableWalker.SlotSink directSink(AddressSpace as, boolean notifyUnmap) {
    return (iova, size, gpa, perm) -> {
      if (perm != 0) {
        as.notifyMap(iova, size, gpa, perm);
      } else if (notifyUnmap) {
        as.notifyUnmap(iova, size);
      }
    };
  }

}
