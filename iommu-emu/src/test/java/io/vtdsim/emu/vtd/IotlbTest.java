package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The open-addressing IOTLB table against a plain map model: random inserts, lookups and range /
 * domain removals (which exercise the backward-shift deletion) must agree entry by entry.
 */
class IotlbTest {
  private record Entry(int did, long page, int level, long leaf) {}

  @Test
  void agreesWithAMapModelUnderRandomOperations() {
    Random rnd = new Random(42);
    Iotlb tlb = new Iotlb(512);
    Map<Long, Entry> model = new HashMap<>();
    for (int step = 0; step < 20_000; step++) {
      int did = rnd.nextInt(4);
      int level = rnd.nextInt(4); // 0 = negative (4 KiB), 1..3
      long iova = (long) rnd.nextInt(1 << 16) << 12;
      int op = rnd.nextInt(10);
      if (op < 6) {
        if (model.size() >= 512) {
          tlb.clear();
          model.clear();
        }
        long key = Iotlb.key(did, Iotlb.pageNumber(iova, level), level);
        tlb.put(key, did, iova ^ 0xABC000L, true, level % 2 == 0);
        model.put(key, new Entry(did, Iotlb.pageNumber(iova, level), level, iova ^ 0xABC000L));
      } else if (op < 9) {
        int am = rnd.nextInt(12);
        long start = iova & (-1L << (12 + am));
        long end = start + (1L << (12 + am)) - 1;
        int removed = tlb.removeRange(did, start, end);
        int expected = 0;
        var it = model.values().iterator();
        while (it.hasNext()) {
          Entry e = it.next();
          int shift = 12 + 9 * (Math.max(e.level(), 1) - 1);
          long ps = e.page() << shift;
          long pe = ps + (1L << shift) - 1;
          if (e.did() == did && ps <= end && start <= pe) {
            it.remove();
            expected++;
          }
        }
        assertThat(removed).isEqualTo(expected);
      } else {
        int removed = tlb.removeDomain(did);
        int before = model.size();
        model.values().removeIf(e -> e.did() == did);
        assertThat(removed).isEqualTo(before - model.size());
      }
      assertThat(tlb.size()).isEqualTo(model.size());
    }
    for (Map.Entry<Long, Entry> e : model.entrySet()) {
      int slot = tlb.find(e.getKey());
      assertThat(slot).isNotNegative();
      assertThat(tlb.leaf(slot)).isEqualTo(e.getValue().leaf());
      assertThat(tlb.writable(slot)).isEqualTo(e.getValue().level() % 2 == 0);
    }
  }

  @Test
  void keysOfDifferentDomainsLevelsAndPagesAreDistinct() {
    assertThat(Iotlb.key(1, 5, 1)).isNotEqualTo(Iotlb.key(2, 5, 1));
    assertThat(Iotlb.key(1, 5, 1)).isNotEqualTo(Iotlb.key(1, 5, 2));
    assertThat(Iotlb.key(1, 5, 1)).isNotEqualTo(Iotlb.key(1, 6, 1));
    // the largest IOVA of a 57-bit space still packs without losing the page number
    long maxPage = Iotlb.pageNumber((1L << 57) - 1, 1);
    assertThat(Iotlb.key(0xFFFF, maxPage, 7) >>> 19).isEqualTo(maxPage);
  }
}
