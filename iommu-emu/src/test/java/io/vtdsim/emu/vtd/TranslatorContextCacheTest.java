package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.FaultReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The context cache (VT-d spec 6.2.1): decoded entries by source-id, stale until a context-cache
 * invalidation of the right granularity (spec 6.5.1.1: global, domain, device with function mask).
 */
class TranslatorContextCacheTest {
  /** Device 03 on bus 0: devfn 0x18..0x1f. */
  private static int fn(int function) {
    return 0x18 | function;
  }

  private final TranslatorFixture f = TranslatorFixture.qemu(48);

  /** Gives each sid a present context (DID = 10 + function) mapping page 0, and caches it. */
  private void cacheContexts(int... sids) {
    for (int sid : sids) {
      long top = f.tables.multiLevelContext(sid, 10 + (sid & 7), 2);
      f.tables.map(top, 4, 0, 0x5000, K4, true, true);
      assertThat(f.read(sid, 0).ok()).isTrue();
    }
  }

  /** Clears the contexts in guest memory: a cached one still translates, a dropped one faults 2. */
  private boolean stillCached(int sid) {
    f.tables.clearContext(sid);
    return f.read(sid, 0).ok();
  }

  @Test
  void clearedContextStillTranslatesUntilInvalidated() {
    cacheContexts(fn(0));
    assertThat(stillCached(fn(0))).isTrue();
    f.translator.invalidateContextDevice(fn(0), 0);
    assertThat(f.read(fn(0), 0).fault()).isEqualTo(FaultReason.CONTEXT_NOT_PRESENT);
  }

  @Test
  void functionMaskOneIgnoresBitTwo() {
    cacheContexts(fn(0), fn(1), fn(2), fn(4));
    f.translator.invalidateContextDevice(fn(0), 1);
    assertThat(stillCached(fn(0))).isFalse();
    assertThat(stillCached(fn(4))).isFalse();
    assertThat(stillCached(fn(1))).isTrue();
    assertThat(stillCached(fn(2))).isTrue();
  }

  @Test
  void functionMaskTwoIgnoresBitsTwoAndOne() {
    cacheContexts(fn(0), fn(1), fn(2), fn(6), fn(7));
    f.translator.invalidateContextDevice(fn(4), 2);
    assertThat(stillCached(fn(0))).isFalse();
    assertThat(stillCached(fn(2))).isFalse();
    assertThat(stillCached(fn(6))).isFalse();
    assertThat(stillCached(fn(1))).isTrue();
    assertThat(stillCached(fn(7))).isTrue();
  }

  @Test
  void functionMaskThreeCoversTheWholeDeviceOnly() {
    cacheContexts(fn(0), fn(5), fn(7), 0x20, 0x0118);
    f.translator.invalidateContextDevice(fn(3), 3);
    assertThat(stillCached(fn(0))).isFalse();
    assertThat(stillCached(fn(5))).isFalse();
    assertThat(stillCached(fn(7))).isFalse();
    assertThat(stillCached(0x20)).as("device 4").isTrue();
    assertThat(stillCached(0x0118)).as("same devfn on bus 1").isTrue();
  }

  @Test
  void domainSelectiveDropsThatDomainsEntries() {
    cacheContexts(fn(1), fn(2));
    f.translator.invalidateContextDomain(11);
    assertThat(stillCached(fn(1))).isFalse();
    assertThat(stillCached(fn(2))).isTrue();
  }

  @Test
  void globalDropsAllAndResetDropsBothCaches() {
    cacheContexts(fn(1), fn(2));
    f.translator.invalidateContextGlobal();
    assertThat(f.translator.contextCacheSize()).isZero();
    assertThat(f.translator.iotlbSize()).isEqualTo(2);
    cacheContexts(fn(3));
    f.translator.resetCaches();
    assertThat(f.translator.contextCacheSize()).isZero();
    assertThat(f.translator.iotlbSize()).isZero();
  }

  @Test
  void leastRecentlyUsedEntryIsEvictedAtCapacity() {
    TranslatorFixture g = new TranslatorFixture(TranslatorFixture.withCapacities(VtdConfig.qemu72(), 64, 2));
    for (int sid : new int[] {fn(0), fn(1), fn(2)}) {
      long top = g.tables.multiLevelContext(sid, 1, 2);
      g.tables.map(top, 4, 0, 0x5000, K4, true, true);
    }
    g.read(fn(0), 0);
    g.read(fn(1), 0);
    g.read(fn(0), 0); // fn(1) is now the least recently used
    g.read(fn(2), 0);
    assertThat(g.translator.contextCacheSize()).isEqualTo(2);
    g.tables.clearContext(fn(0));
    g.tables.clearContext(fn(1));
    assertThat(g.read(fn(0), 0).ok()).isTrue();
    assertThat(g.read(fn(1), 0).fault()).isEqualTo(FaultReason.CONTEXT_NOT_PRESENT);
  }

  @Test
  void invalidationEventsCarryTheScopeAndTheDroppedCount() {
    cacheContexts(fn(0), fn(4));
    f.translator.invalidateContextDevice(fn(0), 1);
    List<Event> inv = f.log.eventsOfKind(Translator.EV_CACHE_INVALIDATE);
    assertThat(inv).hasSize(1);
    assertThat(inv.get(0).attrs()).containsEntry("cache", "context").containsEntry("scope", "device")
        .containsEntry("dropped", 2).containsEntry("sid", fn(0)).containsEntry("fm", 1);
  }

  @Test
  void faultingLookupsAreNotCached() {
    f.tables.contextTable(0);
    assertThat(f.read(fn(0), 0).fault()).isEqualTo(FaultReason.CONTEXT_NOT_PRESENT);
    assertThat(f.translator.contextCacheSize()).isZero();
  }
}
