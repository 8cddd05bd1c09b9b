package io.vtdsim.driver.dma;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * drivers/iommu/iova.c behaviour (a Linux 6.1 guest's trace on QEMU 7.2, docs/linux-6.1-trace.md §4:
 * top-down from 0xfffff000, LIFO reuse).
 */
class IovaAllocatorTest {
  static final long BELOW_4G = 0xFFFFFL;

  @Test
  void topDownAndSizeAligned() {
    IovaAllocator a = new IovaAllocator();
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFFFL);
    assertThat(a.allocate(2, BELOW_4G, 0)).isEqualTo(0xFFFFCL); // 2-page aligned below 0xFFFFF
    assertThat(a.allocate(1, BELOW_4G, 0)).isEqualTo(0xFFFFEL); // fills the hole left by alignment
    assertThat(a.allocate(8, BELOW_4G, 0)).isEqualTo(0xFFFF0L);
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
    assertThat(a.allocate(64, BELOW_4G, 0)).isEqualTo(big);
  }

  @Test
  void respectsTheLimit() {
    IovaAllocator a = new IovaAllocator();
    assertThat(a.allocate(4, 0x3L, 0)).isEqualTo(-1L); // pfn 0 is never handed out
    assertThat(a.allocate(2, 0x3L, 0)).isEqualTo(2L);
  }
}
