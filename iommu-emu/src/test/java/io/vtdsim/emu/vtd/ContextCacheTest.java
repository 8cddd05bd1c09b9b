package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.TranslationType;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The context cache (spec 6.2.1) with its per-bus slots allocated on first use: what the
 * invalidations of spec 6.5.1 drop, and least-recently-used eviction, against a plain map model.
 */
class ContextCacheTest {
  private static ContextEntry entry(int did) {
    return new ContextEntry(true, false, TranslationType.MULTI_LEVEL, 0x1000L * (did + 1), 2, did);
  }

  @Test
  void deviceSelectiveInvalidationDropsExactlyTheFunctionMaskedSourceIds() {
    ContextCache c = new ContextCache(64);
    // bus 0 dev 3 functions 0-7, the same device number on bus 1, and bus 0 dev 4 function 0
    for (int fn = 0; fn < 8; fn++) c.put(0x18 | fn, entry(1));
    c.put(0x118, entry(1));
    c.put(0x20, entry(1));
    // FM 2 (spec 6.5.2.1: ignore function bits 2:1): of sid 00:03.1 the functions 1, 3, 5, 7 go
    assertThat(c.removeSourceIds(0x19, 0b110)).isEqualTo(4);
    for (int fn = 0; fn < 8; fn++) {
      if (fn % 2 == 0) assertThat(c.get(0x18 | fn)).as("function %d", fn).isNotNull();
      else assertThat(c.get(0x18 | fn)).as("function %d", fn).isNull();
    }
    assertThat(c.get(0x118)).isNotNull();
    assertThat(c.get(0x20)).isNotNull();
    assertThat(c.size()).isEqualTo(6);
  }

  @Test
  void domainSelectiveInvalidationDropsTheEntriesOfThatDidOnEveryBus() {
    ContextCache c = new ContextCache(64);
    c.put(0x0008, entry(3));
    c.put(0x1008, entry(3));
    c.put(0xFF08, entry(4));
    assertThat(c.removeDomain(3)).isEqualTo(2);
    assertThat(c.get(0x0008)).isNull();
    assertThat(c.get(0x1008)).isNull();
    assertThat(c.get(0xFF08)).isEqualTo(entry(4));
    assertThat(c.clear()).isEqualTo(1);
    assertThat(c.get(0xFF08)).isNull();
  }

  @Test
  void agreesWithAnLruModelAcrossBuses() {
    Random rnd = new Random(3);
    int capacity = 40;
    ContextCache c = new ContextCache(capacity);
    LinkedHashMap<Integer, ContextEntry> model = new LinkedHashMap<>(16, 0.75f, true); // access order
    for (int step = 0; step < 50_000; step++) {
      int sid = (rnd.nextInt(6) << 8) | rnd.nextInt(16); // 6 buses, 16 devfns each
      int op = rnd.nextInt(10);
      if (op < 5) {
        ContextEntry e = entry(rnd.nextInt(4));
        if (!model.containsKey(sid) && model.size() == capacity) {
          Integer lru = model.keySet().iterator().next();
          model.remove(lru);
        }
        model.put(sid, e);
        c.put(sid, e);
      } else if (op < 9) {
        assertThat(c.get(sid)).isEqualTo(model.get(sid));
      } else {
        int did = rnd.nextInt(4);
        Map<Integer, ContextEntry> before = new HashMap<>(model);
        model.values().removeIf(e -> e.did() == did);
        assertThat(c.removeDomain(did)).isEqualTo(before.size() - model.size());
      }
      assertThat(c.size()).isEqualTo(model.size());
    }
  }
}
