package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FunctionMask;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.TranslationType;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scalable-mode translation of requests without PASID (RTADDR.TTM = 01b; VT-d spec 3.4.3, 3.6, 6.2):
 * the scalable-mode context entry (cached by source-id), the PASID-table entry of its RID_PASID
 * (cached by source-id and PASID, tagged with its DID), then by PGTT:
 *
 * <ul>
 *   <li>first-stage (001b): the {@link FirstStageWalk}, its leaves cached in a first-stage IOTLB tagged
 *       by (DID, PASID) — as QEMU's IOTLB entries carry the PASID and PGTT; faults 0x70–0x91; an output
 *       address in the interrupt range is 0x87 (QEMU's VTD_FR_SM_INTERRUPT_ADDR);
 *   <li>second-stage (010b): the {@link Translator}'s second-level walk and caches, tagged by DID
 *       ({@link Translator#translateSecondStage}); 0xE becomes 0x87 as in QEMU's scalable mode;
 *   <li>pass-through (100b): identity; nested (011b) is refused as invalid programming (0x5B) since no
 *       preset reports ECAP.NEST, as QEMU.
 * </ul>
 *
 * Invalidation, as the spec (6.5.2.1–6.5.2.4) and QEMU (vtd_iotlb_page_invalidate,
 * vtd_piotlb_pasid_invalidate, vtd_piotlb_page_invalidate, vtd_pasid_cache_sync) do it:
 *
 * <ul>
 *   <li>context-cache invalidation drops cached scalable-mode context entries (a domain-selective one
 *       acts globally: these entries carry no DID) and the PASID entries cached under those
 *       source-ids;
 *   <li>PASID-cache invalidation drops PASID entries globally, by DID, or by (DID, PASID);
 *   <li>a legacy IOTLB invalidation drops first-stage entries globally or by DID, and a legacy PSI drops
 *       every first-stage entry of the DID whatever the address (QEMU; second-stage entries go by
 *       address in the {@link Translator});
 *   <li>a PASID-based IOTLB invalidation drops first-stage entries of (DID, PASID), all or those
 *       overlapping the 2^AM-page block; never second-stage or pass-through entries.
 * </ul>
 *
 * Where QEMU 11.1.3 differs (measured; ScalableModeQemuFactsTest), {@link UnitBehaviour} switches:
 * PASID-table entries are cached until a PASID-cache (or context-cache) invalidation, as the spec
 * allows (6.2.2) — QEMU re-reads them ({@link UnitBehaviour#pasidEntriesCached}); a write through a
 * first-stage IOTLB entry filled by a read walks again to set D — QEMU never sets it then
 * ({@link UnitBehaviour#dirtyOnCachedWrite}).
 *
 * <p>Not modelled yet: requests with PASID, ATS requests, supervisor requests (see {@link
 * FirstStageWalk}), negative caching and paging-structure caches of the first stage, nested
 * translation. Thread-safe: every operation holds this object's lock.
 */
public final class ScalableTranslator {
  private static final String SOURCE = "vtd";
  private static final long PAGE_4K = Page.SIZE;

  private final VtdConfig config;
  private final GuestMemory memory;
  private final EventLog log;
  private final Translator secondStage;
  private final FirstStageWalk firstStage;
  private final LruCache<Integer, ScalableContextEntry> contexts;
  private final LruCache<Long, PasidTableEntry> pasids;
  private final Map<IotlbKey, Leaf> iotlb = new HashMap<>();
  private final boolean pasidEntriesCached;
  private final boolean dirtyOnCachedWrite;

  /** A first-stage IOTLB tag: (DID, PASID, page number at the leaf's level, level). */
  private record IotlbKey(int did, int pasid, long page, int level) {}

  private record Leaf(long address, boolean writable, boolean dirty) {}

  public ScalableTranslator(VtdConfig config, GuestMemory memory, EventLog log, Translator secondStage) {
    if (config == null || memory == null || log == null || secondStage == null) {
      throw new IllegalArgumentException("config, memory, log and the second-stage translator are required");
    }
    this.config = config;
    this.memory = memory;
    this.log = log;
    this.secondStage = secondStage;
    this.firstStage = new FirstStageWalk(memory, config.hostAddressWidth(), config.cap().fl1gp());
    this.contexts = new LruCache<>(config.contextCacheCapacity());
    this.pasids = new LruCache<>(config.contextCacheCapacity());
    this.pasidEntriesCached = config.behaviour().pasidEntriesCached();
    this.dirtyOnCachedWrite = config.behaviour().dirtyOnCachedWrite();
  }

  /** Translates an untranslated request without PASID of {@code sid} through the scalable-mode tables at {@code rootTable}. */
  public TranslationResult translate(long rootTable, int sid, long iova, boolean write) {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("source-id out of range: 0x" + Integer.toHexString(sid));
    TranslationResult r;
    synchronized (this) {
      r = translateLocked(rootTable, sid, iova, write);
    }
    if (log.building()) {
      log.emit(SOURCE, new EventBody.Translate(sid, iova, write, r.fault() == null ? "ok" : r.fault().name(), r.cached(),
          RequestType.UNTRANSLATED));
    }
    return r;
  }

  private TranslationResult translateLocked(long rootTable, int sid, long iova, boolean write) {
    ScalableContextEntry ce = contexts.get(sid);
    if (ce == null) {
      ScalableContextLookup.Result c = ScalableContextLookup.context(memory, rootTable, sid, config.ecap(),
          config.hostAddressWidth());
      if (!c.ok()) return fault(iova, -1, c.fault(), c.fpd(), false);
      ce = c.context();
      contexts.put(sid, ce);
    }
    int pasid = ScalableContextLookup.ridPasid(ce, config.ecap());
    long pasidKey = ((long) sid << 20) | pasid;
    PasidTableEntry pe = pasids.get(pasidKey);
    if (pe == null) {
      ScalableContextLookup.Result p = ScalableContextLookup.pasidEntry(memory, ce, pasid, config.cap(), config.ecap(),
          config.hostAddressWidth());
      if (!p.ok()) {
        int did = p.entry() != null && p.entry().present() ? p.entry().did() : -1;
        return fault(iova, did, p.fault(), p.fpd(), false);
      }
      pe = p.entry();
      if (pasidEntriesCached) pasids.put(pasidKey, pe);
    }
    // FPD of the cached path: context, then PASID entry (the directory's is not cached; as QEMU,
    // which re-reads it through vtd_ce_get_pasid_fpd, a fault after a cached lookup uses these two)
    boolean fpd = ce.fpd() || pe.fpd();
    return switch (pe.pgtt()) {
      case FIRST_STAGE -> firstStage(pe, pasid, iova, write, fpd);
      case SECOND_STAGE -> secondStage(pe, sid, iova, write, fpd);
      case PASS_THROUGH -> new TranslationResult(iova, iova, PAGE_4K, true, true, pe.did(), null, false, false);
      // unreachable: ScalableContextLookup refuses PGTTs the unit does not report, and no unit reports NEST here
      case NESTED, RESERVED -> fault(iova, pe.did(), FaultReason.PASID_ENTRY_INVALID, fpd, false);
    };
  }

  private TranslationResult firstStage(PasidTableEntry pe, int pasid, long iova, boolean write, boolean fpd) {
    int levels = pe.firstStageLevels();
    if (FirstStageWalk.canonical(iova, levels)) {
      for (int level = 1; level <= 3; level++) {
        Leaf hit = iotlb.get(new IotlbKey(pe.did(), pasid, iova >>> AddressWidth.levelShift(level), level));
        if (hit == null) continue;
        if (write && !hit.writable()) return fault(iova, pe.did(), FaultReason.SCALABLE_WRITE_DENIED, fpd, true);
        // a write through an entry a read filled walks again, so that D gets set (spec 3.6.3, as x86
        // TLBs); QEMU 11.1.3 answers such a write from the IOTLB and never sets D
        if (write && !hit.dirty() && dirtyOnCachedWrite) break;
        long size = AddressWidth.levelSize(level);
        return leaf(iova, hit.address() | (iova & (size - 1)), size, hit.writable(), pe.did(), fpd, true);
      }
    }
    FirstStageWalk.Result w = firstStage.walk(pe.fsptptr(), levels, iova, write);
    if (!w.ok()) return fault(iova, pe.did(), w.fault(), fpd, false);
    int level = (Long.numberOfTrailingZeros(w.pageSize()) - Page.SHIFT) / 9 + 1;
    if (iotlb.size() >= config.iotlbCapacity()) iotlb.clear(); // as QEMU's vtd_reset_iotlb when full
    iotlb.put(new IotlbKey(pe.did(), pasid, iova >>> AddressWidth.levelShift(level), level),
        new Leaf(w.address() & ~(w.pageSize() - 1), w.writable(), write));
    return leaf(iova, w.address(), w.pageSize(), w.writable(), pe.did(), fpd, false);
  }

  private TranslationResult leaf(long iova, long address, long size, boolean writable, int did, boolean fpd, boolean cached) {
    if (InterruptRange.contains(address)) return fault(iova, did, FaultReason.SCALABLE_INTERRUPT_ADDRESS, fpd, cached);
    return new TranslationResult(iova, address, size, true, writable, did, null, false, cached);
  }

  private TranslationResult secondStage(PasidTableEntry pe, int sid, long iova, boolean write, boolean fpd) {
    ContextEntry legacyForm = new ContextEntry(true, fpd, TranslationType.MULTI_LEVEL, pe.ssptptr(), pe.aw(), pe.did());
    TranslationResult r = secondStage.translateSecondStage(legacyForm, sid, iova, write);
    if (r.fault() == FaultReason.INTERRUPT_ADDRESS) {
      return fault(iova, pe.did(), FaultReason.SCALABLE_INTERRUPT_ADDRESS, fpd, r.cached());
    }
    return r;
  }

  private static TranslationResult fault(long iova, int did, FaultReason reason, boolean fpd, boolean cached) {
    return TranslationResult.fault(iova, did, reason, fpd && reason.qualified(), cached);
  }

  // ---- invalidation (spec 6.5.2) ----

  /**
   * Drops every cached scalable-mode context entry, PASID entry and first-stage IOTLB entry (reset, TE,
   * SRTP); emits its three events only when something was cached.
   */
  public void resetCaches() {
    int c;
    int p;
    int t;
    synchronized (this) {
      c = contexts.clear();
      p = pasids.clear();
      t = iotlb.size();
      iotlb.clear();
    }
    // no events when there was nothing to drop: a legacy-mode unit's event log stays as it was
    if (c + p + t == 0) return;
    emit("sm-context", "reset", c, -1);
    emit("pasid", "reset", p, -1);
    emit("first-stage-iotlb", "reset", t, -1);
  }

  /** A context-cache invalidation (queued or register-based) in scalable mode. */
  public void contextInvalidated(ContextCacheInvalidation c) {
    int dropped;
    int droppedPasids;
    synchronized (this) {
      if (c.granularity() == ContextCacheInvalidation.Granularity.DEVICE) {
        int ignored = FunctionMask.ignoredBits(c.fm());
        dropped = contexts.removeIf(sid -> (sid & ~ignored) == (c.sid() & ~ignored));
        droppedPasids = pasids.removeIf(key -> (((int) (key >>> 20)) & ~ignored) == (c.sid() & ~ignored));
      } else {
        dropped = contexts.clear();
        droppedPasids = pasids.clear();
      }
    }
    String scope = c.granularity() == ContextCacheInvalidation.Granularity.DEVICE ? "device" : "global";
    emit("sm-context", scope, dropped, -1);
    emit("pasid", scope, droppedPasids, -1);
  }

  /** A PASID-cache invalidation descriptor. */
  public void pasidCacheInvalidated(PasidCacheInvalidation p) {
    int n;
    synchronized (this) {
      n = switch (p.granularity()) {
        case GLOBAL -> pasids.clear();
        case DOMAIN -> pasids.removeValues(e -> e.did() == p.did());
        case PASID -> pasids.removeIf(key -> (int) (key & ScalableContextEntry.MAX_PASID) == p.pasid(), e -> e.did() == p.did());
      };
    }
    emit("pasid", p.granularity().name().toLowerCase(java.util.Locale.ROOT), n,
        p.granularity() == PasidCacheInvalidation.Granularity.GLOBAL ? -1 : p.did());
  }

  /** A legacy IOTLB invalidation in scalable mode: first-stage entries globally, by DID, or (PSI) all of the DID. */
  public void iotlbInvalidated(IotlbInvalidation t) {
    int n;
    synchronized (this) {
      if (t.granularity() == IotlbInvalidation.Granularity.GLOBAL) {
        n = iotlb.size();
        iotlb.clear();
      } else {
        n = removeIotlb(k -> k.did() == t.did());
      }
    }
    emit("first-stage-iotlb", t.granularity().name().toLowerCase(java.util.Locale.ROOT), n,
        t.granularity() == IotlbInvalidation.Granularity.GLOBAL ? -1 : t.did());
  }

  /** A PASID-based IOTLB invalidation: first-stage entries of (DID, PASID), all or those in the 2^AM-page block. */
  public void pasidIotlbInvalidated(PasidIotlbInvalidation t) {
    int n;
    synchronized (this) {
      if (t.granularity() == PasidIotlbInvalidation.Granularity.PASID) {
        n = removeIotlb(k -> k.did() == t.did() && k.pasid() == t.pasid());
      } else {
        int shift = Page.SHIFT + t.am();
        long start = shift >= 64 ? 0 : t.address() & (-1L << shift);
        long end = shift >= 64 ? -1L : start + ((1L << shift) - 1);
        n = removeIotlb(k -> k.did() == t.did() && k.pasid() == t.pasid() && overlaps(k, start, end));
      }
    }
    emit("first-stage-iotlb", t.granularity() == PasidIotlbInvalidation.Granularity.PASID ? "pasid" : "page", n,
        t.did());
  }

  private static boolean overlaps(IotlbKey k, long start, long end) {
    int shift = AddressWidth.levelShift(k.level());
    long first = k.page() << shift;
    long last = first + ((1L << shift) - 1);
    return Long.compareUnsigned(first, end) <= 0 && Long.compareUnsigned(start, last) <= 0;
  }

  private int removeIotlb(java.util.function.Predicate<IotlbKey> match) {
    int n = 0;
    for (Iterator<IotlbKey> it = iotlb.keySet().iterator(); it.hasNext(); ) {
      if (match.test(it.next())) {
        it.remove();
        n++;
      }
    }
    return n;
  }

  /** Entries in the first-stage IOTLB (for tests and reports). */
  public synchronized int firstStageIotlbSize() {
    return iotlb.size();
  }

  /** Entries in the PASID cache. */
  public synchronized int pasidCacheSize() {
    return pasids.size();
  }

  /** Entries in the scalable-mode context cache. */
  public synchronized int contextCacheSize() {
    return contexts.size();
  }

  /** A cache-invalidation event; {@code did} ≥ 0 names the domain it selected. */
  private void emit(String cache, String scope, int dropped, int did) {
    if (!log.building()) return;
    log.emit(SOURCE, did < 0
        ? new EventBody.CacheInvalidate(cache, scope, dropped, EventBody.Selector.ALL, 0, 0, 0, 0, 0, false)
        : new EventBody.CacheInvalidate(cache, scope, dropped, EventBody.Selector.DOMAIN, did, 0, 0, 0, 0, false));
  }

  /** A bounded least-recently-used map (the context and PASID caches). */
  private static final class LruCache<K, V> {
    private final LinkedHashMap<K, V> map;

    LruCache(int capacity) {
      this.map = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
          return size() > capacity;
        }
      };
    }

    V get(K key) {
      return map.get(key);
    }

    void put(K key, V value) {
      map.put(key, value);
    }

    int size() {
      return map.size();
    }

    int clear() {
      int n = map.size();
      map.clear();
      return n;
    }

    int removeIf(java.util.function.Predicate<K> key) {
      return removeIf(key, v -> true);
    }

    int removeValues(java.util.function.Predicate<V> value) {
      return removeIf(k -> true, value);
    }

    int removeIf(java.util.function.Predicate<K> key, java.util.function.Predicate<V> value) {
      int n = 0;
      for (Iterator<Map.Entry<K, V>> it = map.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<K, V> e = it.next();
        if (key.test(e.getKey()) && value.test(e.getValue())) {
          it.remove();
          n++;
        }
      }
      return n;
    }
  }
}
