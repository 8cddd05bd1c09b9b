package io.vtdsim.driver.dma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The primitive pfn map against java.util.HashMap, with keys dense enough to collide and wrap. */
class PfnMapTest {
  @Test
  void behavesAsAHashMapThroughGrowthAndDeletions() {
    PfnMap m = new PfnMap();
    Map<Long, Long> ref = new HashMap<>();
    Random r = new Random(3);
    for (int op = 0; op < 300_000; op++) {
      long key = 1 + r.nextInt(op < 150_000 ? 5_000 : 200);
      switch (r.nextInt(3)) {
        case 0 -> {
          long v = 1 + r.nextInt(1000);
          m.put(key, v);
          ref.put(key, v);
        }
        case 1 -> assertThat(m.remove(key)).isEqualTo(ref.containsKey(key) ? ref.remove(key) : 0L);
        default -> assertThat(m.get(key)).isEqualTo(ref.getOrDefault(key, 0L));
      }
      if (op % 10_000 == 0) {
        assertThat(m.size()).isEqualTo(ref.size());
        for (long k = 1; k <= 5_000; k++) assertThat(m.get(k)).isEqualTo(ref.getOrDefault(k, 0L));
      }
    }
  }
}
