package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;
import java.util.Map;

/**
 * Legacy-mode DMA address translation with a context cache and an IOTLB (VT-d spec 3.4, 3.6, 6.2,
 * 9), for untranslated requests.
 *
 * <p>Order of one translation: context cache (miss → {@link ContextLookup} on the root/context
 * tables, faults 1, 2, 3, 8, 9, 0xA, 0xB; valid entries are cached by source-id) → pass-through →
 * IOVA above 2^min(AGAW, MGAW+1) (fault 4) → IOTLB (tagged by the context's DID; positive entries
 * of any page size, then negative entries) → second-level walk of AW+2 levels ANDing R/W, caching
 * the leaf. Faults are returned, not recorded: the caller ({@code VtdUnit}) records them unless
 * {@link TranslationResult#faultSuppressed()}.
 *
 * <p>Deliberate choices, each documented where it is made:
 *
 * <ul>
 *   <li>IOTLB full → cleared as a whole before the insert, as QEMU ({@code vtd_reset_iotlb}); the
 *       context cache evicts its least recently used entry.
 *   <li>No paging-structure caches are modelled, only leaf (and negative) IOTLB entries, so the
 *       PSI invalidation hint (IH) has no effect: there is nothing it could keep.
 *   <li>Negative entries (CM=1 and {@link VtdConfig#negativeCaching()}) hold one 4 KiB page whose
 *       walk met a not-present entry (R|W=0). Erroneous entries (reserved bits, unreadable tables)
 *       are not cached; neither are context-entry faults.
 *   <li>Fault 0xD (translation type blocked) concerns translation requests and translated requests
 *       (ATS, spec 7.1.3; QEMU's VTD_FR_CONTEXT_ENTRY_TT says the same) — an untranslated request is
 *       never blocked by TT, so this path does not produce it. TT=device-TLB without ECAP.DT and the reserved TT are fault 3.
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
  public static final String EV_TRANSLATE = "vtd.translate";
  /**
   * {@code vtd.cache-invalidate {cache, scope, dropped}}: cache "context" | "iotlb", scope
   * "global" | "domain" | "device" | "page" | "reset", plus the selector (did, sid, fm, addr, am, ih).
   */
  public static final String EV_CACHE_INVALIDATE = "vtd.cache-invalidate";
  /** Interrupt address range (spec 3.14): DMA requests translating into it are blocked, fault 0xE. */
  public static final long INTERRUPT_RANGE_START = 0xFEE0_0000L;
  public static final long INTERRUPT_RANGE_END = 0xFEEF_FFFFL;

  private static final String SOURCE = "vtd";
  private static final long PAGE_4K = 4096;

  private final VtdConfig config;
  private final GuestMemory memory;
  private final EventLog log;
  private final ContextCache contexts;
  private final Iotlb iotlb;
  private final boolean negativeCaching;
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
    // spec 6.1: only a unit reporting CM=1 may cache not-present entries
    this.negativeCaching = config.negativeCaching() && config.cap().cm();
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
    if (sid < 0 || sid > 0xFFFF) {
      throw new IllegalArgumentException("source-id out of range: 0x" + Integer.toHexString(sid));
    }
    TranslationResult r;
    synchronized (this) {
      r = translateLocked(rootTable, sid, iova, write);
    }
    log.emit(EV_TRANSLATE, SOURCE, null, Attrs.of(
        "sid", sid, "iova", iova, "write", write,
        "result", r.fault() == null ? "ok" : r.fault().name(), "cached", r.cached()));
    return r;
  }

  private TranslationResult translateLocked(long rootTable, int sid, long iova, boolean write) {
    ContextEntry ce = contexts.get(sid);
    if (ce == null) {
      ContextLookup.Result found = ContextLookup.lookup(memory, rootTable, sid, config);
      if (!found.ok()) return fault(iova, found.entry(), found.fault(), false);
      ce = found.entry();
      contexts.put(sid, ce);
    }
    if (ce.tt() == TranslationType.PASS_THROUGH) {
      return new TranslationResult(iova, iova, PAGE_4K, true, true, ce.did(), null, false, false);
    }
    // spec 3.6 / fault 4: the input address must fit the smaller of the context's AGAW and MGAW
    int limit = Math.min(AddressWidth.widthOfAgaw(ce.aw()), mgawBits);
    if (limit < 64 && (iova >>> limit) != 0) {
      return fault(iova, ce, FaultReason.ADDRESS_BEYOND_MGAW, false);
    }
    TranslationResult hit = lookupIotlb(ce, iova, write);
    return hit != null ? hit : walk(ce, iova, write);
  }

  private TranslationResult lookupIotlb(ContextEntry ce, long iova, boolean write) {
    int did = ce.did();
    int maxLevel = superpage1G ? 3 : superpage2M ? 2 : 1;
    for (int level = 1; level <= maxLevel; level++) {
      int slot = iotlb.find(Iotlb.key(did, Iotlb.pageNumber(iova, level), level));
      if (slot >= 0) {
        return leafResult(ce, iova, write, level, iotlb.leaf(slot), iotlb.readable(slot), iotlb.writable(slot), true);
      }
    }
    if (negativeCaching && iotlb.find(Iotlb.key(did, Iotlb.pageNumber(iova, Iotlb.NEGATIVE), Iotlb.NEGATIVE)) >= 0) {
      return fault(iova, ce, denied(write), true);
    }
    return null;
  }

  /**
   * Second-level walk (spec 3.6, 9.8), as QEMU's vtd_iova_to_slpte: per level, not present (R|W=0)
   * → the request type's fault; a missing permission is checked before the reserved bits and, as in
   * QEMU, wins over anything found further down; reserved bits → 0xC. Unlike QEMU this walk goes on
   * to the leaf after a missing permission so that the leaf is cached with its effective
   * (read-only) permissions, as hardware's IOTLB would; the fault code is QEMU's.
   */
  private TranslationResult walk(ContextEntry ce, long iova, boolean write) {
    int levels = ce.levels();
    long table = ce.slptptr();
    boolean read = true;
    boolean writable = true;
    boolean deniedAbove = false;
    long need = write ? SecondLevelPte.W : SecondLevelPte.R;
    // bounded by the level count: a loop between table pages ends at level 1
    for (int level = levels; level >= 1; level--) {
      long entryAddress = table + (long) SecondLevelPte.SIZE * AddressWidth.levelIndex(iova, level);
      if (!memory.tryRead64(entryAddress, pteBuffer)) {
        if (deniedAbove) return fault(iova, ce, denied(write), false);
        // as QEMU: an unreadable top-level table is an invalid context entry (3), deeper ones 7
        return fault(iova, ce, level == levels ? FaultReason.CONTEXT_INVALID : FaultReason.PAGING_ENTRY_UNREADABLE, false);
      }
      long pte = pteBuffer[0];
      if (!SecondLevelPte.present(pte)) {
        if (negativeCaching) {
          iotlb.put(Iotlb.key(ce.did(), Iotlb.pageNumber(iova, Iotlb.NEGATIVE), Iotlb.NEGATIVE), 0, false, false);
        }
        return fault(iova, ce, denied(write), false);
      }
      read &= (pte & SecondLevelPte.R) != 0;
      writable &= (pte & SecondLevelPte.W) != 0;
      if ((pte & need) == 0) deniedAbove = true;
      boolean superpage = level <= 3 && level >= 2 && SecondLevelPte.isSuperpage(pte);
      long reserved = SecondLevelPte.reservedMask(level, superpage, haw, snoopControl);
      // spec 9.8: PS is reserved at a level whose page size CAP.SLLPS does not report
      if ((level == 2 && !superpage2M) || (level == 3 && !superpage1G)) reserved |= SecondLevelPte.PS;
      if ((pte & reserved) != 0) {
        return fault(iova, ce, deniedAbove ? denied(write) : FaultReason.PAGING_ENTRY_RESERVED, false);
      }
      if (level == 1 || superpage) {
        long leaf = SecondLevelPte.addressOf(pte);
        iotlb.put(Iotlb.key(ce.did(), Iotlb.pageNumber(iova, level), level), leaf, read, writable);
        return leafResult(ce, iova, write, level, leaf, read, writable, false);
      }
      table = SecondLevelPte.addressOf(pte);
    }
    throw new IllegalStateException("unreachable: the walk ends at level 1");
  }

  private TranslationResult leafResult(
      ContextEntry ce, long iova, boolean write, int level, long leaf, boolean read, boolean writable, boolean cached) {
    if (write ? !writable : !read) return fault(iova, ce, denied(write), cached);
    long size = AddressWidth.levelSize(level);
    long address = leaf | (iova & (size - 1));
    if (address >= INTERRUPT_RANGE_START && address <= INTERRUPT_RANGE_END) {
      return fault(iova, ce, FaultReason.INTERRUPT_ADDRESS, cached);
    }
    return new TranslationResult(iova, address, size, read, writable, ce.did(), null, false, cached);
  }

  /** As QEMU: a not-present entry or a missing permission faults by request type. */
  private static FaultReason denied(boolean write) {
    return write ? FaultReason.WRITE_DENIED : FaultReason.READ_DENIED;
  }

  private static TranslationResult fault(long iova, ContextEntry ce, FaultReason reason, boolean cached) {
    int did = ce != null && ce.present() ? ce.did() : -1;
    // FPD suppresses qualified faults only; as QEMU it is read even from a not-present entry
    boolean suppressed = ce != null && ce.fpd() && reason.qualified();
    return TranslationResult.fault(iova, did, reason, suppressed, cached);
  }

  // ---- invalidation (spec 6.5) ----

  /** Drops every cached context entry and every IOTLB entry (reset, TE and SRTP). */
  public void resetCaches() {
    int c;
    int t;
    synchronized (this) {
      c = contexts.clear();
      t = iotlb.clear();
    }
    emitInvalidate("context", "reset", c, Map.of());
    emitInvalidate("iotlb", "reset", t, Map.of());
  }

  /** Global context-cache invalidation. Per spec 6.5.1 it does not touch the IOTLB. */
  public void invalidateContextGlobal() {
    int n;
    synchronized (this) {
      n = contexts.clear();
    }
    emitInvalidate("context", "global", n, Map.of());
  }

  /** Domain-selective context-cache invalidation: entries whose DID is {@code did}. */
  public void invalidateContextDomain(int did) {
    checkDid(did);
    int n;
    synchronized (this) {
      n = contexts.removeDomain(did);
    }
    emitInvalidate("context", "domain", n, Map.of("did", did));
  }

  /**
   * Device-selective: SID with function mask FM (spec 6.5.1.1 / CCMD FM): 0 no bits masked, 1 bit 2
   * of the function number, 2 bits 2:1, 3 bits 2:0.
   */
  public void invalidateContextDevice(int sid, int fm) {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("source-id out of range: " + sid);
    if (fm < 0 || fm > 3) throw new IllegalArgumentException("function mask must be 0..3: " + fm);
    int ignored = functionMaskBits(fm);
    int n;
    synchronized (this) {
      n = contexts.removeSourceIds(sid, ignored);
    }
    emitInvalidate("context", "device", n, Map.of("sid", sid, "fm", fm));
  }

  /** The devfn bits a function mask makes the device-selective invalidation ignore. */
  static int functionMaskBits(int fm) {
    return switch (fm) {
      case 0 -> 0;
      case 1 -> 0b100;
      case 2 -> 0b110;
      case 3 -> 0b111;
      default -> throw new IllegalArgumentException("function mask must be 0..3: " + fm);
    };
  }

  public void invalidateIotlbGlobal() {
    int n;
    synchronized (this) {
      n = iotlb.clear();
    }
    emitInvalidate("iotlb", "global", n, Map.of());
  }

  public void invalidateIotlbDomain(int did) {
    checkDid(did);
    int n;
    synchronized (this) {
      n = iotlb.removeDomain(did);
    }
    emitInvalidate("iotlb", "domain", n, Map.of("did", did));
  }

  /**
   * PSI (spec 6.5.2.3): drops entries of {@code did} — positive of any page size, and negative —
   * whose page overlaps the naturally aligned 2^am-page block containing {@code address} (the low
   * address bits are ignored). {@code ih} would keep paging-structure entries; none are modelled,
   * so it has no effect here.
   */
  public void invalidateIotlbPage(int did, long address, int am, boolean ih) {
    checkDid(did);
    if (am < 0 || am > 63) throw new IllegalArgumentException("address mask must be 0..63: " + am);
    int shift = 12 + am;
    long start = shift >= 64 ? 0 : address & (-1L << shift);
    long end = shift >= 64 ? -1L : start + ((1L << shift) - 1);
    int n;
    synchronized (this) {
      n = iotlb.removeRange(did, start, end);
    }
    emitInvalidate("iotlb", "page", n, Map.of("did", did, "addr", address, "am", am, "ih", ih));
  }

  /** Number of entries currently in the IOTLB (positive and negative; for tests and reports). */
  public synchronized int iotlbSize() {
    return iotlb.size();
  }

  /** Number of entries currently in the context cache. */
  public synchronized int contextCacheSize() {
    return contexts.size();
  }

  private static void checkDid(int did) {
    if (did < 0 || did > 0xFFFF) throw new IllegalArgumentException("domain id out of range: " + did);
  }

  private void emitInvalidate(String cache, String scope, int dropped, Map<String, Object> selector) {
    Map<String, Object> attrs;
    if (selector.isEmpty()) {
      attrs = Map.of("cache", cache, "scope", scope, "dropped", dropped);
    } else {
      java.util.TreeMap<String, Object> m = new java.util.TreeMap<>(selector);
      m.put("cache", cache);
      m.put("scope", scope);
      m.put("dropped", dropped);
      attrs = java.util.Collections.unmodifiableMap(m);
    }
    log.emit(EV_CACHE_INVALIDATE, SOURCE, cache + " " + scope + " invalidation dropped " + dropped, attrs);
  }
}
