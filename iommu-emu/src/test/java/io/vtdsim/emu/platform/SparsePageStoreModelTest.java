package io.vtdsim.emu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sparse store against a plain map of 8-byte words: random writes of every width over a few
 * thousand pages spread across 64 GiB (so the page table grows and probe runs collide), whole-page
 * and partial zeroing (so removals shift probe runs), and reads of every word touched.
 */
class SparsePageStoreModelTest {
  @Test
  void agreesWithAWordModelThroughGrowthAndRemoval() {
    Random rnd = new Random(7);
    SparsePageStore store = new SparsePageStore();
    Map<Long, Long> words = new HashMap<>(); // 8-aligned GPA -> value; absent = 0
    long[] pages = new long[3000];
    for (int i = 0; i < pages.length; i++) pages[i] = (rnd.nextLong() >>> 28) & ~0xFFFL; // below 64 GiB
    for (int round = 0; round < 40_000; round++) {
      long page = pages[rnd.nextInt(pages.length)];
      long gpa = page + (rnd.nextInt(512) << 3);
      switch (rnd.nextInt(6)) {
        case 0, 1 -> {
          long v = rnd.nextLong();
          store.write(gpa, 8, v);
          words.put(gpa, v);
        }
        case 2 -> {
          int v = rnd.nextInt();
          store.write(gpa + 4, 4, v);
          long old = words.getOrDefault(gpa, 0L);
          words.put(gpa, (old & 0xFFFF_FFFFL) | ((long) v << 32));
        }
        case 3 -> {
          store.write(gpa + 1, 1, 0xAB);
          long old = words.getOrDefault(gpa, 0L);
          words.put(gpa, (old & ~0xFF00L) | 0xAB00L);
        }
        case 4 -> {
          store.zero(page, GuestMemory.PAGE_SIZE);
          words.keySet().removeIf(a -> (a & ~0xFFFL) == page);
        }
        default -> {
          store.zero(gpa, 16);
          words.remove(gpa);
          words.remove(gpa + 8);
        }
      }
    }
    for (Map.Entry<Long, Long> w : words.entrySet()) {
      assertThat(store.read(w.getKey(), 8)).as("word at 0x%x", w.getKey()).isEqualTo(w.getValue());
      assertThat(store.read(w.getKey() + 4, 4)).isEqualTo(w.getValue() >>> 32);
      assertThat(store.read(w.getKey() + 2, 2)).isEqualTo((w.getValue() >>> 16) & 0xFFFF);
    }
    for (long page : pages) {
      for (long a = page; a < page + GuestMemory.PAGE_SIZE; a += 8) {
        if (!words.containsKey(a)) assertThat(store.read(a, 8)).as("unwritten word at 0x%x", a).isZero();
      }
    }
  }

  @Test
  void wholePageZeroReleasesStorageAndPagesComeBackZero() {
    SparsePageStore store = new SparsePageStore();
    for (long p = 0; p < 1000; p++) store.write(p << 12, 8, p + 1);
    assertThat(store.allocatedPages()).isEqualTo(1000);
    for (long p = 0; p < 1000; p += 2) store.zero(p << 12, GuestMemory.PAGE_SIZE);
    assertThat(store.allocatedPages()).isEqualTo(500);
    for (long p = 0; p < 1000; p++) assertThat(store.read(p << 12, 8)).isEqualTo(p % 2 == 0 ? 0 : p + 1);
  }
}
