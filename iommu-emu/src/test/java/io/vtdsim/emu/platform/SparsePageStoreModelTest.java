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

  @Test
  void tombstonesAreProbedPastAndReusedWithoutLosingPages() {
    // many release/re-allocate cycles on one small set of pages plus a fixed set that must survive:
    // the table fills with tombstones and is rebuilt, and no surviving page is lost or shadowed
    SparsePageStore store = new SparsePageStore();
    for (long p = 0; p < 20; p++) store.write((p << 12) | 0x100000000L, 8, p ^ 0x5A5A);
    for (int cycle = 0; cycle < 2000; cycle++) {
      long p = cycle % 50;
      store.write(p << 12, 8, cycle);
      assertThat(store.read(p << 12, 8)).isEqualTo(cycle);
      store.zero(p << 12, GuestMemory.PAGE_SIZE);
      assertThat(store.read(p << 12, 8)).isZero();
    }
    assertThat(store.allocatedPages()).isEqualTo(20);
    for (long p = 0; p < 20; p++) assertThat(store.read((p << 12) | 0x100000000L, 8)).isEqualTo(p ^ 0x5A5A);
  }

  @Test
  void alignedWordsAreNeverTornWhileOtherThreadsAllocateAndReleasePages() throws Exception {
    // accesses take no lock: a reader of an aligned word (read or an aligned copy, as a table walk
    // reads) sees one of the two values written, never a mixture, while another thread's page
    // allocations rebuild the table under it
    SparsePageStore store = new SparsePageStore();
    long word = 0x7000_0008L;
    long a = 0x1111_1111_1111_1111L;
    long b = 0xEEEE_EEEE_EEEE_EEEEL;
    store.write(word, 8, a);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<String> bad = new java.util.concurrent.atomic.AtomicReference<>();
    Thread writer = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) store.write(word, 8, (i & 1) == 0 ? a : b);
    });
    Thread churn = new Thread(() -> {
      for (long p = 0; !stop.get(); p++) {
        store.write((p % 5000) << 12, 8, p);
        if (p % 3 == 0) store.zero(((p / 3) % 5000) << 12, GuestMemory.PAGE_SIZE);
      }
    });
    Thread reader = new Thread(() -> {
      byte[] buf = new byte[16];
      for (int i = 0; i < 2_000_000 && bad.get() == null; i++) {
        long v = store.read(word, 8);
        store.copyOut(word - 8, buf, 0, 16);
        long c = java.nio.ByteBuffer.wrap(buf, 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        if (v != a && v != b) bad.set(String.format("read 0x%x", v));
        if (c != a && c != b) bad.set(String.format("copy 0x%x", c));
      }
    });
    writer.start();
    churn.start();
    reader.start();
    reader.join();
    stop.set(true);
    writer.join();
    churn.join();
    assertThat(bad.get()).isNull();
    assertThat(store.read(word, 8)).isIn(a, b); // the word's page was never released
  }
}
