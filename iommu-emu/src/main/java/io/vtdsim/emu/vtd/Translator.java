package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FunctionMask;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;

/**
 * Legacy-mode DMA address translation with a context cache, an IOTLB and paging-structure caches
 * (VT-d spec 3.4, 3.6, 6.2, 9), for untranslated requests and, from a device-TLB, ATS translation
 * requests and translated requests (spec 4.2, Table 30).
 *
 * <p>Order of one translation: context cache (miss → {@link ContextLookup} on the root/context
 * tables, faults 1, 2, 3, 8, 9, 0xA, 0xB; valid entries are cached by source-id) → pass-through →
 * IOVA above 2^min(AGAW, MGAW+1) (fault 4) → IOTLB (tagged by the context's DID; positive entries
 * of any page size, then negative entries) → second-level walk of AW+2 levels ANDing R/W, started
 * from the deepest cached non-leaf entry (paging-structure caches, spec 6.2.4) and caching the
 * non-leaf entries it reads and the leaf. Faults are returned, not recorded: the caller
 * ({@code VtdUnit}) records them unless {@link TranslationResult#faultSuppressed()}.
 *
 * <p>Deliberate choices, each documented where it is made:
 *
 * <ul>
 *   <li>IOTLB full → cleared as a whole before the insert, as QEMU ({@code vtd_reset_iotlb}); the
 *       context cache evicts its least recently used entry.
 *   <li>Paging-structure caches (spec 6.2.4) hold non-leaf entries (PML5E … PDE) tagged by DID,
 *       level and the IOVA bits above the entry's span, with the next-table address and the R/W
 *       accumulated down to them; one bounded table, cleared when full. A walk starts below the
 *       deepest one that matches, so a non-leaf entry changed in memory without invalidation keeps
 *       being used. They are emptied by IOTLB invalidations only (spec 6.5.2.3): PSI with IH=0
 *       drops those whose span overlaps the range, PSI with IH=1 keeps them all, DSI / global drop
 *       the domain's / all; context-cache invalidations leave them (spec 6.5.1).
 *   <li>{@link TranslationResult#cached()} stays "answered by the IOTLB": a walk that started from a
 *       paging-structure entry is not cached.
 *   <li>Negative entries (CM=1 and {@link VtdConfig#negativeCaching()}) hold one 4 KiB page whose
 *       walk met a not-present entry (R|W=0). Erroneous entries (reserved bits, unreadable tables)
 *       are not cached; neither are context-entry faults.
 *   <li>Request types (spec 9.3 TT, 4.2.3, 4.2.5, 7.1.3 Table 30). The context lookup and its faults
 *       are the same for all three. Then TT=00b (multi-level) and TT=10b (pass-through) take
 *       untranslated requests only: "Translated requests and Translation Requests are blocked" —
 *       fault 0xD (LCT.5, qualified; QEMU's VTD_FR_CONTEXT_ENTRY_TT). TT=01b (multi-level with
 *       device-TLB, valid only with ECAP.DT) takes all three. TT=01b without ECAP.DT and the
 *       reserved TT are fault 3 for every request type.
 *   <li>A translation request (TT=01b) walks like an untranslated one and answers what an ATS
 *       completion carries: the translated page with its effective R/W. As Table 30 says, a missing
 *       permission or not-present entry (LGN.2/3) and an input above MGAW/AW (LGN.1.1) are no fault
 *       but a success with reduced (or no) permission, R=W=0 — nothing recorded; unreadable or
 *       reserved paging entries (LSS.1/2, LCT.4.3) and an output in the interrupt range (LGN.4) are
 *       faults 7, 0xC, 3 and 0xE as for untranslated requests. The hardware ignores the request's NW
 *       flag without ECAP.NWFS (4.2.3), so {@code write} does not matter; both permissions are
 *       reported. It uses and fills the IOTLB like any walk. An input address in the interrupt range is
 *       the special condition S.1: not a fault, W=1 with U=1 (untranslated access only).
 *   <li>A translated request (TT=01b) is not translated (4.2.5): its address is already
 *       host-physical and passes unchanged with R and W, unless it is above the host address width
 *       (fault 4, LGN.1.2) or in the interrupt range (fault 0xE, LGN.4). No cache is involved.
 *   <li>Under {@code machine.fidelity: qemu} ({@link UnitBehaviour}) the caches are QEMU's: no
 *       paging-structure cache (every IOTLB miss walks from the top), no negative entries, and an
 *       IOTLB keyed by source-id that an untranslated request tries before the context cache, so
 *       its entries outlive context-cache flushes and are never shared between devices;
 *       invalidations still select them by the DID they were filled under.
 *   <li>The interrupt-window check (fault 0xE, spec 3.14) applies to the request's own output
 *       address, on walks and IOTLB hits alike; QEMU checks the first and last byte of the page,
 *       which misses a superpage that strictly contains the window.
 * </ul>
 *
 * <p>Thread-safe: every operation holds this object's lock; events are emitted after it is
 * released, in the order the operations completed.
 */
public final class Translator {
  /** {@code vtd.translate {sid, iova, write, result, cached}}: result is "ok" or a FaultReason name. */
  public static final String EV_TRANSLATE = EventKind.TRANSLATE.label();
  /**
   * {@code vtd.cache-invalidate {cache, scope, dropped}}: cache "context" | "iotlb" |
   * "paging-structure" (one event per cache an operation invalidates; a PSI with IH=1 does not
   * invalidate the paging-structure cache, so it has no event for it), scope
   * "global" | "domain" | "device" | "page" | "reset", plus the selector (did, sid, fm, addr, am, ih).
   */
  public static final String EV_CACHE_INVALIDATE = EventKind.CACHE_INVALIDATE.label();

  private static final String SOURCE = "vtd";
  private static final String PAGING_STRUCTURE = "paging-structure";
  private static final long PAGE_4K = Page.SIZE;

  private final VtdConfig config;
  private final GuestMemory memory;
  private final EventLog log;
  private final ContextCache contexts;
  private final Iotlb iotlb;
  private final PagingStructureCache structures;
  private final boolean negativeCaching;
  /** {@link UnitBehaviour#pagingStructureCache}. */
  private final boolean cachesPagingStructures;
  /** {@link UnitBehaviour#iotlbTaggedBySourceId}. */
  private final boolean iotlbBySourceId;
  private final int mgawBits;
  private final int haw;
  private final boolean snoopControl;
  private final boolean superpage2M;
  private final boolean superpage1G;
  private final long[] pteBuffer = new long[1];

  public Translator(VtdConfig config, GuestMemory memory, EventLog log) {
    if (config == null || memory == null || log == null) {
      throw new IllegalArgumentException("config, memory and log are required");
    }
    this.config = config;
    this.memory = memory;
    this.log = log;
    this.contexts = new ContextCache(config.contextCacheCapacity());
    this.iotlb = new Iotlb(config.iotlbCapacity());
    this.structures = new PagingStructureCache(config.pagingStructureCacheCapacity());
    // spec 6.1: only a unit reporting CM=1 may cache not-present entries
    this.negativeCaching = config.negativeCaching() && config.cap().cm();
    this.cachesPagingStructures = config.behaviour().pagingStructureCache();
    this.iotlbBySourceId = config.behaviour().iotlbTaggedBySourceId();
    this.mgawBits = config.cap().guestAddressWidth();
    this.haw = config.hostAddressWidth();
    this.snoopControl = config.ecap().sc();
    this.superpage2M = config.cap().supports2M();
    this.superpage1G = config.cap().supports1G();
  }

  public VtdConfig config() {
    return config;
  }

  /** True when this translator caches not-present results (CM=1 and negative caching on). */
  public boolean negativeCaching() {
    return negativeCaching;
  }

  /**
   * Translates a request of {@code sid} for {@code iova} with translation enabled and the given root
   * table, using and filling the caches. Faults are returned, not recorded (the caller records them).
   *
   * @param write true for a write request, false for a read
   */
  public TranslationResult translate(long rootTable, int sid, long iova, boolean write) {
    return translate(rootTable, sid, iova, write, RequestType.UNTRANSLATED);
  }

  /**
   * Translates a request of the given type (see the class comment for the rules per context TT);
   * {@link RequestType#UNTRANSLATED} is {@link #translate(long, int, long, boolean)}. For a
   * translation request {@code write} is ignored (no NW support) and a successful result carries the
   * completion's address, page size and effective R/W.
   */
  public TranslationResult translate(long rootTable, int sid, long iova, boolean write, RequestType type) {
    if (sid < 0 || sid > 0xFFFF) {
      throw new IllegalArgumentException("source-id out of range: 0x" + Integer.toHexString(sid));
    }
    if (type == null) throw new IllegalArgumentException("request type is required");
    TranslationResult r;
    synchronized (this) {
      r = translateLocked(rootTable, sid, iova, write, type);
    }
    if (log.building()) {
      String result = r.fault() == null ? "ok" : r.fault().name();
      log.emit(SOURCE, new EventBody.Translate(sid, iova, write, result, r.cached(), type));
    }
    return r;
  }

  private TranslationResult translateLocked(long rootTable, int sid, long iova, boolean write, RequestType type) {
    if (iotlbBySourceId && type == RequestType.UNTRANSLATED) {
      TranslationResult hit = lookupIotlbBeforeContext(sid, iova, write);
      if (hit != null) return hit;
    }
    ContextEntry ce = contexts.get(sid);
    if (ce == null) {
      ContextLookup.Result found = ContextLookup.lookup(memory, rootTable, sid, config);
      if (!found.ok()) return fault(iova, found.entry(), found.fault(), false);
      ce = found.entry();
      contexts.put(sid, ce);
    }
    boolean translationRequest = false;
    if (type != RequestType.UNTRANSLATED) {
      // spec 9.3: only TT=01b lets ATS requests through (LCT.5 → 0xD)
      if (ce.tt() != TranslationType.MULTI_LEVEL_DEVICE_TLB) {
        return fault(iova, ce, FaultReason.TRANSLATION_TYPE_BLOCKED, false);
      }
      if (type == RequestType.TRANSLATED) return translated(ce, iova);
      // S.1 (not a fault): an input in the interrupt range gets R=0, W=1 and U=1 ("untranslated
      // access only", so the device sends its MSI writes untranslated); NW is ignored without NWFS.
      // The result has no U bit: it is this one with the input address unchanged.
      if (InterruptRange.contains(iova)) {
        return new TranslationResult(iova, iova, PAGE_4K, false, true, ce.did(), null, false, false);
      }
      translationRequest = true;
    }
    if (ce.tt() == TranslationType.PASS_THROUGH) {
      return new TranslationResult(iova, iova, PAGE_4K, true, true, ce.did(), null, false, false);
    }
    // spec 3.6 / fault 4: the input address must fit the smaller of the context's AGAW and MGAW
    int limit = Math.min(AddressWidth.widthOfAgaw(ce.aw()), mgawBits);
    if (limit < 64 && (iova >>> limit) != 0) {
      // LGN.1.1: a translation request gets success with R=W=U=S=0, nothing recorded
      if (translationRequest) return noAccess(iova, ce, false);
      return fault(iova, ce, FaultReason.ADDRESS_BEYOND_MGAW, false);
    }
    // with a source-id-tagged IOTLB an untranslated request has already missed it
    TranslationResult hit = iotlbBySourceId && !translationRequest ? null
        : lookupIotlb(ce, iotlbTag(ce, sid), iova, write, translationRequest);
    return hit != null ? hit : walk(ce, iotlbTag(ce, sid), iova, write, translationRequest);
  }

  /** The IOTLB tag of a request: the context's DID (spec 6.2.3) or the source-id (as QEMU). */
  private int iotlbTag(ContextEntry ce, int sid) {
    return iotlbBySourceId ? sid : ce.did();
  }

  /**
   * QEMU's order ({@link UnitBehaviour#iotlbTaggedBySourceId}; vtd_do_iommu_translate tries
   * vtd_lookup_iotlb before the context cache): an entry of this source-id answers whatever the
   * context entry now says, with the DID it was filled under.
   */
  private TranslationResult lookupIotlbBeforeContext(int sid, long iova, boolean write) {
    int maxLevel = superpage1G ? 3 : superpage2M ? 2 : 1;
    for (int level = 1; level <= maxLevel; level++) {
      int slot = iotlb.find(Iotlb.key(sid, Iotlb.pageNumber(iova, level), level));
      if (slot >= 0) {
        return leafResult(iotlb.domain(slot), false, iova, write, level, iotlb.leaf(slot), iotlb.readable(slot),
            iotlb.writable(slot), true, false);
      }
    }
    int slot = negativeCaching ? iotlb.find(Iotlb.key(sid, Iotlb.pageNumber(iova, Iotlb.NEGATIVE), Iotlb.NEGATIVE)) : -1;
    if (slot >= 0) return fault(iova, iotlb.domain(slot), false, denied(write), true);
    return null;
  }

  /**
   * Scalable mode, PGTT 010b (second-stage only, spec 3.6, 9.6): the part of an untranslated
   * translation after the context lookup, with a legacy-format entry standing in for the PASID-table
   * entry (its SSPTPTR, AW and DID, and the FPD of the context/PASID structures). Uses and fills this
   * translator's IOTLB and paging-structure caches, tagged as legacy entries are (by DID, or by
   * source-id under {@link UnitBehaviour#iotlbTaggedBySourceId}) — so legacy IOTLB invalidations reach
   * them and PASID-based ones do not (spec 6.5.2.4). The fault codes are the
   * legacy ones (4, 5, 6, 7, 0xC, 0xE), as QEMU's vtd_iova_to_sspte reports them in scalable mode.
   * Emits no event: the scalable-mode caller does.
   */
  TranslationResult translateSecondStage(ContextEntry secondStage, int sid, long iova, boolean write) {
    synchronized (this) {
      int limit = Math.min(AddressWidth.widthOfAgaw(secondStage.aw()), mgawBits);
      if (limit < 64 && (iova >>> limit) != 0) return fault(iova, secondStage, FaultReason.ADDRESS_BEYOND_MGAW, false);
      int tag = iotlbTag(secondStage, sid);
      TranslationResult hit = lookupIotlb(secondStage, tag, iova, write, false);
      return hit != null ? hit : walk(secondStage, tag, iova, write, false);
    }
  }

  /**
   * A translated request through a TT=01b context (spec 4.2.5): no translation, the output address is
   * the input address; above HAW → 4 (LGN.1.2), in the interrupt range → 0xE (LGN.4).
   */
  private TranslationResult translated(ContextEntry ce, long iova) {
    if (haw < 64 && (iova >>> haw) != 0) return fault(iova, ce, FaultReason.ADDRESS_BEYOND_MGAW, false);
    if (InterruptRange.contains(iova)) return fault(iova, ce, FaultReason.INTERRUPT_ADDRESS, false);
    return new TranslationResult(iova, iova, PAGE_4K, true, true, ce.did(), null, false, false);
  }

  /** A translation completion with R=W=0 (and S=0): success for the unit, a fault for the device-TLB. */
  private static TranslationResult noAccess(long iova, ContextEntry ce, boolean cached) {
    return new TranslationResult(iova, 0, PAGE_4K, false, false, ce.did(), null, false, cached);
  }

  private TranslationResult lookupIotlb(ContextEntry ce, int tag, long iova, boolean write, boolean translationRequest) {
    int maxLevel = superpage1G ? 3 : superpage2M ? 2 : 1;
    for (int level = 1; level <= maxLevel; level++) {
      int slot = iotlb.find(Iotlb.key(tag, Iotlb.pageNumber(iova, level), level));
      if (slot >= 0) {
        return leafResult(ce, iova, write, level, iotlb.leaf(slot), iotlb.readable(slot), iotlb.writable(slot), true,
            translationRequest);
      }
    }
    if (negativeCaching && iotlb.find(Iotlb.key(tag, Iotlb.pageNumber(iova, Iotlb.NEGATIVE), Iotlb.NEGATIVE)) >= 0) {
      return translationRequest ? noAccess(iova, ce, true) : fault(iova, ce, denied(write), true);
    }
    return null;
  }

  /**
   * Second-level walk (spec 3.6, 9.8), as QEMU's vtd_iova_to_slpte: per level, not present (R|W=0)
   * → the request type's fault; a missing permission is checked before the reserved bits and, as in
   * QEMU, wins over anything found further down; reserved bits → 0xC. Unlike QEMU this walk goes on
   * to the leaf after a missing permission so that the leaf is cached with its effective
   * (read-only) permissions, as hardware's IOTLB would; the fault code is QEMU's.
   *
   * <p>The walk starts below the deepest paging-structure-cache entry of the domain on the path of
   * {@code iova} (spec 6.2.4), with that entry's accumulated permissions; every non-leaf entry it
   * reads that is present and free of reserved bits is cached. Without a paging-structure cache
   * ({@link UnitBehaviour#pagingStructureCache} off, as QEMU) it always starts at the top.
   *
   * @param tag the IOTLB tag the leaf (or a negative entry) is cached under
   */
  private TranslationResult walk(ContextEntry ce, int tag, long iova, boolean write, boolean translationRequest) {
    int levels = ce.levels();
    int did = ce.did();
    long table = ce.slptptr();
    boolean read = true;
    boolean writable = true;
    int start = levels;
    for (int level = 2; level <= levels && cachesPagingStructures; level++) {
      int slot = structures.find(did, level, iova);
      if (slot >= 0) {
        table = structures.nextTable(slot);
        read = structures.readable(slot);
        writable = structures.writable(slot);
        start = level - 1;
        break;
      }
    }
    long need = write ? SecondLevelPte.W : SecondLevelPte.R;
    boolean deniedAbove = !translationRequest && (write ? !writable : !read);
    // bounded by the level count: a loop between table pages ends at level 1
    for (int level = start; level >= 1; level--) {
      long entryAddress = table + (long) SecondLevelPte.SIZE * AddressWidth.levelIndex(iova, level);
      if (!memory.tryRead64(entryAddress, pteBuffer)) {
        if (deniedAbove) return fault(iova, ce, denied(write), false);
        // as QEMU: an unreadable top-level table is an invalid context entry (3), deeper ones 7
        return fault(iova, ce, level == levels ? FaultReason.CONTEXT_INVALID : FaultReason.PAGING_ENTRY_UNREADABLE, false);
      }
      long pte = pteBuffer[0];
      if (!SecondLevelPte.present(pte)) {
        if (negativeCaching) {
          iotlb.put(Iotlb.key(tag, Iotlb.pageNumber(iova, Iotlb.NEGATIVE), Iotlb.NEGATIVE), did, 0, false, false);
        }
        return translationRequest ? noAccess(iova, ce, false) : fault(iova, ce, denied(write), false);
      }
      read &= (pte & SecondLevelPte.R) != 0;
      writable &= (pte & SecondLevelPte.W) != 0;
      // a translation request has no permission fault (LGN.2/3): nothing is "denied above"
      if ((pte & need) == 0 && !translationRequest) deniedAbove = true;
      boolean superpage = level <= 3 && level >= 2 && SecondLevelPte.isSuperpage(pte);
      long reserved = SecondLevelPte.reservedMask(level, superpage, haw, snoopControl);
      // spec 9.8: PS is reserved at a level whose page size CAP.SLLPS does not report
      if ((level == 2 && !superpage2M) || (level == 3 && !superpage1G)) reserved |= SecondLevelPte.PS;
      if ((pte & reserved) != 0) {
        return fault(iova, ce, deniedAbove ? denied(write) : FaultReason.PAGING_ENTRY_RESERVED, false);
      }
      if (level == 1 || superpage) {
        long leaf = SecondLevelPte.addressOf(pte);
        iotlb.put(Iotlb.key(tag, Iotlb.pageNumber(iova, level), level), did, leaf, read, writable);
        return leafResult(ce, iova, write, level, leaf, read, writable, false, translationRequest);
      }
      table = SecondLevelPte.addressOf(pte);
      if (cachesPagingStructures) structures.put(did, level, iova, table, read, writable);
    }
    throw new IllegalStateException("unreachable: the walk ends at level 1");
  }

  private TranslationResult leafResult(
      ContextEntry ce, long iova, boolean write, int level, long leaf, boolean read, boolean writable, boolean cached,
      boolean translationRequest) {
    return leafResult(ce.did(), ce.fpd(), iova, write, level, leaf, read, writable, cached, translationRequest);
  }

  /** A cached or walked leaf for a request of domain {@code did} whose context has FPD {@code fpd}. */
  private TranslationResult leafResult(
      int did, boolean fpd, long iova, boolean write, int level, long leaf, boolean read, boolean writable,
      boolean cached, boolean translationRequest) {
    if (translationRequest) {
      // LGN.2/3: the completion carries the effective permissions, R=W=0 included
      if (!read && !writable) return new TranslationResult(iova, 0, PAGE_4K, false, false, did, null, false, cached);
    } else if (write ? !writable : !read) {
      return fault(iova, did, fpd, denied(write), cached);
    }
    long size = AddressWidth.levelSize(level);
    long address = leaf | (iova & (size - 1));
    if (InterruptRange.contains(address)) {
      return fault(iova, did, fpd, FaultReason.INTERRUPT_ADDRESS, cached);
    }
    return new TranslationResult(iova, address, size, read, writable, did, null, false, cached);
  }

  /** As QEMU: a not-present entry or a missing permission faults by request type. */
  private static FaultReason denied(boolean write) {
    return write ? FaultReason.WRITE_DENIED : FaultReason.READ_DENIED;
  }

  private static TranslationResult fault(long iova, ContextEntry ce, FaultReason reason, boolean cached) {
    // FPD suppresses qualified faults only; as QEMU it is read even from a not-present entry
    return fault(iova, ce != null && ce.present() ? ce.did() : -1, ce != null && ce.fpd(), reason, cached);
  }

  private static TranslationResult fault(long iova, int did, boolean fpd, FaultReason reason, boolean cached) {
    return TranslationResult.fault(iova, did, reason, fpd && reason.qualified(), cached);
  }

  // ---- invalidation (spec 6.5) ----

  /** Drops every cached context entry, IOTLB entry and paging-structure entry (reset, TE and SRTP). */
  public void resetCaches() {
    int c;
    int t;
    int p;
    synchronized (this) {
      c = contexts.clear();
      t = iotlb.clear();
      p = structures.clear();
    }
    emitInvalidate("context", "reset", c);
    emitInvalidate("iotlb", "reset", t);
    if (cachesPagingStructures) emitInvalidate(PAGING_STRUCTURE, "reset", p);
  }

  /**
   * Global context-cache invalidation. Per spec 6.5.1 it touches neither the IOTLB nor the
   * paging-structure caches (software follows it with an IOTLB invalidation).
   */
  public void invalidateContextGlobal() {
    int n;
    synchronized (this) {
      n = contexts.clear();
    }
    emitInvalidate("context", "global", n);
  }

  /** Domain-selective context-cache invalidation: entries whose DID is {@code did}. */
  public void invalidateContextDomain(int did) {
    checkDid(did);
    int n;
    synchronized (this) {
      n = contexts.removeDomain(did);
    }
    emitDomainInvalidate("context", n, did);
  }

  /**
   * Device-selective: SID with function mask FM (spec 6.5.1.1 / CCMD FM): 0 no bits masked, 1 bit 2
   * of the function number, 2 bits 2:1, 3 bits 2:0.
   */
  public void invalidateContextDevice(int sid, int fm) {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("source-id out of range: " + sid);
    if (fm < 0 || fm > 3) throw new IllegalArgumentException("function mask must be 0..3: " + fm);
    int ignored = FunctionMask.ignoredBits(fm);
    int n;
    synchronized (this) {
      n = contexts.removeSourceIds(sid, ignored);
    }
    if (log.building()) {
      log.emit(SOURCE, new EventBody.CacheInvalidate("context", "device", n, EventBody.Selector.DEVICE, 0, sid, fm, 0, 0, false));
    }
  }

  /** Global IOTLB invalidation (spec 6.5.2): every IOTLB and paging-structure-cache entry. */
  public void invalidateIotlbGlobal() {
    int n;
    int p;
    synchronized (this) {
      n = iotlb.clear();
      p = structures.clear();
    }
    emitInvalidate("iotlb", "global", n);
    if (cachesPagingStructures) emitInvalidate(PAGING_STRUCTURE, "global", p);
  }

  /** Domain-selective IOTLB invalidation (spec 6.5.2): the domain's IOTLB and paging-structure entries. */
  public void invalidateIotlbDomain(int did) {
    checkDid(did);
    int n;
    int p;
    synchronized (this) {
      n = iotlb.removeDomain(did);
      p = structures.removeDomain(did);
    }
    emitDomainInvalidate("iotlb", n, did);
    if (cachesPagingStructures) emitDomainInvalidate(PAGING_STRUCTURE, p, did);
  }

  /**
   * PSI (spec 6.5.2.3): drops IOTLB entries of {@code did} — positive of any page size, and
   * negative — whose page overlaps the naturally aligned 2^am-page block containing {@code address}
   * (the low address bits are ignored). With {@code ih} false it also drops the domain's
   * paging-structure entries whose span overlaps the block; with {@code ih} true (software says
   * only leaves changed) they are kept — so a table page freed under IH=1 stays reachable.
   */
  public void invalidateIotlbPage(int did, long address, int am, boolean ih) {
    checkDid(did);
    if (am < 0 || am > 63) throw new IllegalArgumentException("address mask must be 0..63: " + am);
    int shift = Page.SHIFT + am;
    long start = shift >= 64 ? 0 : address & (-1L << shift);
    long end = shift >= 64 ? -1L : start + ((1L << shift) - 1);
    int n;
    int p;
    synchronized (this) {
      n = iotlb.removeRange(did, start, end);
      p = ih ? 0 : structures.removeRange(did, start, end);
    }
    if (log.building()) {
      log.emit(SOURCE, new EventBody.CacheInvalidate("iotlb", "page", n, EventBody.Selector.PAGE, did, 0, 0, address, am, ih));
      if (!ih && cachesPagingStructures) {
        log.emit(SOURCE, new EventBody.CacheInvalidate(PAGING_STRUCTURE, "page", p, EventBody.Selector.PAGE, did, 0, 0,
            address, am, ih));
      }
    }
  }

  /** Number of entries currently in the IOTLB (positive and negative; for tests and reports). */
  public synchronized int iotlbSize() {
    return iotlb.size();
  }

  /** Number of non-leaf entries currently in the paging-structure caches (all levels). */
  public synchronized int pagingStructureCacheSize() {
    return structures.size();
  }

  /** Number of entries currently in the context cache. */
  public synchronized int contextCacheSize() {
    return contexts.size();
  }

  private static void checkDid(int did) {
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("domain id out of range: " + did);
  }

  private void emitInvalidate(String cache, String scope, int dropped) {
    if (log.building()) {
      log.emit(SOURCE, new EventBody.CacheInvalidate(cache, scope, dropped, EventBody.Selector.ALL, 0, 0, 0, 0, 0, false));
    }
  }

  private void emitDomainInvalidate(String cache, int dropped, int did) {
    if (log.building()) {
      log.emit(SOURCE, new EventBody.CacheInvalidate(cache, "domain", dropped, EventBody.Selector.DOMAIN, did, 0, 0, 0, 0,
          false));
    }
  }

}
