package io.vtdsim.emu.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.util.RangeMap.Range;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link RangeMap} against an independent model: a {@code TreeMap<Long, long[]>} driven by the same
 * seeded random operations (puts and removals in random, ascending and descending order, range
 * removals, every query). Small chunk capacities make splits, merges and chunk drops happen often.
 */
class RangeMapModelTest {
  /** The model: start → {length, target, tag}. */
  private final TreeMap<Long, long[]> model = new TreeMap<>();

  @ParameterizedTest(name = "seed {0}, chunks of {1}")
  @CsvSource({"1, 4", "2, 5", "3, 16", "4, 128", "5, 128"})
  void randomOperationsAgreeWithATreeMap(long seed, int chunkCapacity) {
    Random rnd = new Random(seed);
    RangeMap map = new RangeMap(chunkCapacity);
    long space = 1 << 14; // keys collide often
    int ops = 150_000;
    long cursor = 0;
    for (int i = 0; i < ops; i++) {
      if (i % 97 == 0) map.checkInvariants();
      int op = rnd.nextInt(100);
      long key = rnd.nextLong(space) - 16; // a few negative keys: order is signed, as TreeMap<Long>
      long len = 1 + rnd.nextInt(64);
      long target = rnd.nextLong();
      int tag = rnd.nextInt(256);
      if (op < 30) {
        put(map, key, len, target, tag);
      } else if (op < 38) {
        cursor = rnd.nextBoolean() ? cursor + 1 + rnd.nextInt(3) : cursor - 1 - rnd.nextInt(3);
        if (cursor >= space || cursor < -16) cursor = rnd.nextLong(space);
        if (rnd.nextInt(3) > 0) {
          put(map, cursor, len, target, tag); // runs of puts in one direction
        } else {
          assertThat(map.remove(cursor)).isEqualTo(model.remove(cursor) != null); // and of removals
        }
      } else if (op < 50) {
        assertThat(map.remove(key)).isEqualTo(model.remove(key) != null);
      } else if (op < 55) {
        long to = key + rnd.nextInt(rnd.nextInt(10) == 0 ? 4096 : 64) - 4;
        long expected = 0;
        if (key < to) {
          NavigableMap<Long, long[]> sub = model.subMap(key, true, to, false);
          for (long[] v : sub.values()) expected += v[0];
          sub.clear();
        }
        assertThat(map.removeStartingIn(key, to)).isEqualTo(expected);
      } else if (op < 60) {
        long to = key + rnd.nextInt(200) - 8;
        List<long[]> seen = new ArrayList<>();
        map.forEachStartingIn(key, to, (s, t, l, g) -> seen.add(new long[] {s, l, t, g}));
        List<long[]> want = new ArrayList<>();
        if (key < to) model.subMap(key, true, to, false).forEach((k, v) -> want.add(new long[] {k, v[0], v[1], v[2]}));
        assertThat(seen).usingElementComparator(RangeMapModelTest::compare).containsExactlyElementsOf(want);
      } else if (op < 99) {
        assertThat(map.get(key)).isEqualTo(range(model.containsKey(key) ? model.ceilingEntry(key) : null));
        long[] v = model.get(key);
        assertThat(map.containsExactly(key, target, len, tag))
            .isEqualTo(v != null && v[0] == len && v[1] == target && v[2] == tag);
        if (v != null) assertThat(map.containsExactly(key, v[1], v[0], (int) v[2])).isTrue();
        assertThat(map.floor(key)).isEqualTo(range(model.floorEntry(key)));
        assertThat(map.lower(key)).isEqualTo(range(model.lowerEntry(key)));
        Map.Entry<Long, long[]> l = model.lowerEntry(key);
        assertThat(map.straddles(key)).as("straddles(%d)", key)
            .isEqualTo(l != null && key - l.getKey() < l.getValue()[0]);
        assertThat(map.ceiling(key)).isEqualTo(range(model.ceilingEntry(key)));
        assertThat(map.higher(key)).isEqualTo(range(model.higherEntry(key)));
        Map.Entry<Long, long[]> f = model.floorEntry(key);
        Range containing = f != null && key - f.getKey() < f.getValue()[0] ? range(f) : null;
        assertThat(map.containing(key)).isEqualTo(containing);
        Map.Entry<Long, long[]> h = model.higherEntry(key);
        boolean overlaps = containing != null || (h != null && h.getKey() - key < len);
        assertThat(map.overlaps(key, len)).as("overlaps(%d, %d)", key, len).isEqualTo(overlaps);
        assertThat(map.size()).isEqualTo(model.size());
      } else {
        assertSame(map);
        if (rnd.nextInt(20) == 0) {
          map.clear();
          model.clear();
        }
      }
    }
    assertSame(map);
  }

  @Test
  void ascendingAndDescendingRunsFillChunksAndAnEmptiedMapIsEmpty() {
    RangeMap map = new RangeMap(8);
    for (long k = 0; k < 1000; k++) put(map, 4096 * k, 4096, k, 3);
    for (long k = -1; k > -1000; k--) put(map, 4096 * k, 4096, k, 1);
    assertSame(map);
    assertThat(map.toString()).isEqualTo("RangeMap[1999 ranges in 250 chunks]"); // ⌈1999 / 8⌉: every chunk full
    assertThat(map.removeStartingIn(Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(1999L * 4096);
    assertThat(map.isEmpty()).isTrue();
    assertThat(map.toString()).isEqualTo("RangeMap[0 ranges in 0 chunks]");
    assertThat(map.floor(0)).isNull();
    assertThat(map.ceiling(Long.MIN_VALUE)).isNull();
  }

  @Test
  void ascendingSweepsOfOverlapsAndExactLookupsAgreeWithTheModel() {
    // a table walk asks in ascending order (finger steps, no search): sweep slots of several sizes
    Random rnd = new Random(11);
    RangeMap map = new RangeMap(8);
    TreeMap<Long, long[]> model = new TreeMap<>();
    for (int i = 0; i < 600; i++) {
      long s = (long) rnd.nextInt(1 << 14) << 12;
      long len = (1L + rnd.nextInt(4)) << 12;
      Map.Entry<Long, long[]> f = model.floorEntry(s + len - 1);
      if (f != null && s - f.getKey() < f.getValue()[0]) continue; // keep ranges disjoint
      Map.Entry<Long, long[]> h = model.higherEntry(s);
      if (h != null && h.getKey() - s < len) continue;
      put(map, s, len, s ^ 0x5000, 3);
      model.put(s, new long[] {len, s ^ 0x5000, 3});
    }
    for (long slot : new long[] {1L << 12, 1L << 13, 1L << 21}) {
      for (long a = 0; a < (1L << 27); a += slot) {
        Map.Entry<Long, long[]> f = model.floorEntry(a);
        Map.Entry<Long, long[]> h = model.higherEntry(a);
        boolean want = (f != null && a - f.getKey() < f.getValue()[0]) || (h != null && h.getKey() - a < slot);
        assertThat(map.overlaps(a, slot)).as("overlaps(0x%x, 0x%x)", a, slot).isEqualTo(want);
        long[] v = model.get(a);
        if (v != null) assertThat(map.containsExactly(a, v[1], v[0], (int) v[2])).isTrue();
      }
    }
  }

  @Test
  void extremeKeysAndInvalidArguments() {
    RangeMap map = new RangeMap();
    map.put(Long.MAX_VALUE, 7, 1, 255);
    map.put(Long.MIN_VALUE, 8, 1, 0);
    assertThat(map.higher(Long.MAX_VALUE)).isNull();
    assertThat(map.lower(Long.MIN_VALUE)).isNull();
    assertThat(map.straddles(Long.MIN_VALUE)).isFalse();
    assertThat(map.floor(0)).isEqualTo(new Range(Long.MIN_VALUE, 8, 1, 0));
    assertThat(map.ceiling(0)).isEqualTo(new Range(Long.MAX_VALUE, 7, 1, 255));
    assertThat(map.overlaps(Long.MAX_VALUE, 1)).isTrue();
    assertThat(new Range(4096, 0, 8192, 0).end()).isEqualTo(12288);
    assertThatThrownBy(() -> map.put(0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("length");
    assertThatThrownBy(() -> map.put(0, 0, 1, 256)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tag");
    assertThatThrownBy(() -> new RangeMap(2)).isInstanceOf(IllegalArgumentException.class);
  }

  private void put(RangeMap map, long key, long len, long target, int tag) {
    map.put(key, target, len, tag);
    model.put(key, new long[] {len, target, tag});
  }

  private void assertSame(RangeMap map) {
    map.checkInvariants(); // no empty chunk, every chunk's first start up to date
    List<long[]> seen = new ArrayList<>();
    map.forEach((s, t, l, g) -> seen.add(new long[] {s, l, t, g}));
    List<long[]> want = new ArrayList<>();
    model.forEach((k, v) -> want.add(new long[] {k, v[0], v[1], v[2]}));
    assertThat(seen).usingElementComparator(RangeMapModelTest::compare).containsExactlyElementsOf(want);
    assertThat(map.size()).isEqualTo(model.size());
    // an ascending merge, as a table walk does it: every start matches, the key after it does not,
    // and a start with another tag does not
    for (Map.Entry<Long, long[]> e : model.entrySet()) {
      long[] v = e.getValue();
      assertThat(map.containsExactly(e.getKey(), v[1], v[0], (int) v[2])).isTrue();
      assertThat(map.containsExactly(e.getKey(), v[1], v[0], (int) (v[2] ^ 1))).isFalse();
      if (!model.containsKey(e.getKey() + 1)) assertThat(map.containsExactly(e.getKey() + 1, v[1], v[0], (int) v[2])).isFalse();
    }
    assertThat(map.isEmpty()).isEqualTo(model.isEmpty());
  }

  private static int compare(long[] a, long[] b) {
    return Arrays.compare(a, b);
  }

  private static Range range(Map.Entry<Long, long[]> e) {
    return e == null ? null : new Range(e.getKey(), e.getValue()[1], e.getValue()[0], (int) e.getValue()[2]);
  }
}
