package io.vtdsim.driver.dma;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * drivers/iommu/iova.c behaviour per era: top-down from 0xfffff000 with LIFO reuse (a Linux 6.1 guest's
 * trace on QEMU 7.2, docs/linux-6.1-trace.md §4), the cached-node search that does not go back to a gap
 * above it (the 6.1 e1000 run), and the rules that changed between eras. Expected pfns are worked by hand
 * from the iova.c of each era.
 */
class IovaAllocatorTest {
  static final long BELOW_4G = 0xFFFFFL;

  @ParameterizedTest
  @EnumSource(IovaRules.class)
  void theE1000RunLeavesTheAlignmentGapAboveTheCachedNode(IovaRules rules) {
    IovaAllocator a = new IovaAllocator(rules);
    long pfn = 0;
    for (long expected = 0xFFFFFL; expected >= 0xFFFEBL; expected--) {
      pfn = a.allocate(1, BELOW_4G, 0);
      assertThat(pfn).isEqualTo(expected);
    }
    // Linux 6.1 e1000 run: 1 page at 0xfffeb000, then 2 pages at 0xfffe8000 (0xfffea000 stays free),
    // then 1 page at 0xfffe7000
    assertThat(a.allocate(2, BELOW_4G, 0)).isEqualTo(0xFFFE8L);
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFE7L);
    assertThat(a.allocatedPages(0xFFFEAL)).isZero();
  }

  @Test
  void theMsiWindowIsSkipped() {
    IovaAllocator a = new IovaAllocator();
    a.reserve(0xFEE00L, 0xFEEFFL);
    assertThat(a.allocate(0x100, 0xFEFFFL, 0)).isEqualTo(0xFEF00L);
    assertThat(a.allocate(1, 0xFEFFFL, 0)).isEqualTo(0xFEDFFL);
  }

  @Test
  void freedRangesComeBackLifoPerCpu() {
    IovaAllocator a = new IovaAllocator();
    long p1 = a.allocate(1, BELOW_4G, 0);
    long p2 = a.allocate(1, BELOW_4G, 0);
    a.free(p2, 0);
    a.free(p1, 0);
    assertThat(a.allocate(1, BELOW_4G, 1)).as("another CPU's cache is not used").isEqualTo(0xFFFFDL);
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(p1);
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(p2);
  }

  @Test
  void order6AndAboveGoBackToTheTree() {
    IovaAllocator a = new IovaAllocator();
    long big = a.allocate(64, BELOW_4G, 0);
    a.free(big, 0);
    assertThat(a.allocatedPages(big)).isZero();
    // the free moved cached32_node to the anchor above it: the search starts at the top again
    assertThat(a.allocate(64, BELOW_4G, 0)).isEqualTo(big);
  }

  @Test
  void aTreeFreeAtTheCachedNodeMovesTheSearchUpToTheNodeAboveIt() {
    IovaAllocator a = new IovaAllocator(IovaRules.LINUX_5_11);
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFFFL);
    assertThat(a.allocate(2, BELOW_4G, 0)).isEqualTo(0xFFFFCL); // 0xffffe stays free
    long c = a.allocate(64, BELOW_4G, 0);
    assertThat(c).isEqualTo(0xFFF80L); // [0xfffc0, 0xffffb] stays free
    a.free(c, 0); // order 6: back to the tree; cached32_node = rb_next = the 2-page node
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFFBL);
  }

  @Test
  void since511AFailedSearchRetriesAboveTheCachedNode() {
    // pfns 1..7 (limit 7 is below dma_32bit_pfn: cached32_node applies)
    for (IovaRules rules : new IovaRules[] {IovaRules.LINUX_4_15, IovaRules.LINUX_5_11, IovaRules.LINUX_6_6}) {
      IovaAllocator a = new IovaAllocator(rules);
      assertThat(a.allocate(1, 7, 0)).isEqualTo(7);
      assertThat(a.allocate(2, 7, 0)).isEqualTo(4); // pfn 6 stays free
      assertThat(a.allocate(1, 7, 0)).isEqualTo(3);
      assertThat(a.allocate(1, 7, 0)).isEqualTo(2);
      assertThat(a.allocate(1, 7, 0)).isEqualTo(1);
      long last = a.allocate(1, 7, 0); // nothing below pfn 1: only the 5.11 retry finds pfn 6
      assertThat(last).as("%s", rules).isEqualTo(rules == IovaRules.LINUX_4_15 ? -1L : 6L);
    }
  }

  @Test
  void linux4xCachesOnlyFor32BitLimitsAndOtherwiseFillsFromTheTop() {
    IovaAllocator a = new IovaAllocator(IovaRules.LINUX_4_7);
    // limit 7 is not dma_32bit_pfn: no cached32_node, every search starts at rb_last with limit 7
    assertThat(a.allocate(1, 7, 0)).isEqualTo(7);
    assertThat(a.allocate(2, 7, 0)).isEqualTo(4);
    assertThat(a.allocate(1, 7, 0)).as("the alignment gap is filled").isEqualTo(6);
    assertThat(a.allocate(1, 7, 0)).isEqualTo(3);
    assertThat(a.allocate(1, 7, 0)).isEqualTo(2);
    // start_pfn + size + pad > limit: pfn 1 (start_pfn) is never handed out
    assertThat(a.allocate(1, 7, 0)).isEqualTo(-1L);
  }

  @Test
  void linux4xMagazinesGiveOnlyTheirTopPfnAndNeverOneAtTheLimit() {
    IovaAllocator old = new IovaAllocator(IovaRules.LINUX_4_7);
    long p = old.allocate(1, BELOW_4G, 0);
    assertThat(p).isEqualTo(0xFFFFFL);
    old.free(p, 0);
    // the top pfn 0xfffff is ≥ the limit 0xfffff: the rcache is skipped and the tree gives the next page
    assertThat(old.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFFEL);
    IovaAllocator newer = new IovaAllocator(IovaRules.LINUX_5_11);
    long q = newer.allocate(1, BELOW_4G, 0);
    newer.free(q, 0);
    assertThat(newer.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFFFL);
  }

  @Test
  void aMagazinePopUnderALowerLimitSwapsTheLastPfnIntoItsSlot() {
    IovaAllocator a = new IovaAllocator(IovaRules.LINUX_5_11);
    long x = a.allocate(1, BELOW_4G, 0); // 0xfffff
    long y = a.allocate(1, BELOW_4G, 0); // 0xffffe
    long z = a.allocate(1, BELOW_4G, 0); // 0xffffd
    a.free(z, 0);
    a.free(x, 0);
    a.free(y, 0); // magazine [z, x, y]
    assertThat(a.allocate(1, 0xFFFFDL, 0)).isEqualTo(z); // y and x are above: z, and y moves into slot 0
    assertThat(a.allocate(1, BELOW_4G, 0)).as("[y, x]: x is on top now").isEqualTo(x);
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(y);
  }

  @Test
  void respectsTheLimit() {
    IovaAllocator a = new IovaAllocator();
    assertThat(a.allocate(4, 0x3L, 0)).isEqualTo(-1L); // pfn 0 is never handed out
    assertThat(a.allocate(2, 0x3L, 0)).isEqualTo(2L);
  }
}
