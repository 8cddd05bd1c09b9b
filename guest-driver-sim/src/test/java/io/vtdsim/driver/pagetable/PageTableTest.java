package io.vtdsim.driver.pagetable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import org.junit.jupiter.api.Test;

/** Second-level tables as Linux's pfn_to_dma_pte builds them (drivers/iommu/intel/iommu.c), read back with an independent walk. */
class PageTableTest {
  final GuestMemory mem = GuestMemory.flat(64L << 20);
  final TablePagePool pool = new TablePagePool(mem, 0x100000, 0x400000);

  /** An independent walk: the leaf PTE for iova, or 0, plus its level. */
  long[] walk(long root, int levels, long iova) {
    long table = root;
    for (int level = levels; level >= 1; level--) {
      int shift = 12 + 9 * (level - 1);
      long pte = mem.read64(table + ((iova >>> shift) & 511) * 8);
      if ((pte & 3) == 0) return new long[] {0, level};
      if (level == 1 || (pte & (1 << 7)) != 0) return new long[] {pte, level};
      table = pte & 0x000F_FFFF_FFFF_F000L;
    }
    return new long[] {0, 0};
  }

  @Test
  void fourKiBLeavesCarryPermissionsAndNonLeavesAreReadWrite() {
    PageTable t = new PageTable(mem, pool, 4, 2);
    t.map(0xffffe000L, 0x2bf2000L, 0x1000, true, false);
    long[] leaf = walk(t.root(), 4, 0xffffe000L);
    assertThat(leaf[1]).isEqualTo(1);
    assertThat(leaf[0]).isEqualTo(0x2bf2001L); // "...001" R only, as traced for TO_DEVICE buffers
    long top = mem.read64(t.root() + ((0xffffe000L >>> 39) & 511) * 8);
    assertThat(top & 3).isEqualTo(3);
  }

  @Test
  void superpagesWhenAlignedAndLongEnough() {
    PageTable t = new PageTable(mem, pool, 4, 2);
    t.map(0x4000_0000L, 0x4000_0000L, 1L << 30, true, true);
    assertThat(walk(t.root(), 4, 0x4123_4000L)[1]).isEqualTo(3);
    t.map(0x200000L, 0x600000L, 0x201000, true, true);
    assertThat(walk(t.root(), 4, 0x200000L)[1]).isEqualTo(2);
    assertThat(walk(t.root(), 4, 0x400000L)[1]).isEqualTo(1);
    assertThat(walk(t.root(), 4, 0x3ff000L)[0] & SecondLevelPte.ADDRESS_MASK).isEqualTo(0x600000L); // the 2 MiB leaf
    assertThat(walk(t.root(), 4, 0x400000L)[0] & SecondLevelPte.ADDRESS_MASK).isEqualTo(0x800000L);
    // misaligned physical address: no superpage
    t.map(0x1000_0000L, 0x1001000L, 0x200000, true, true);
    assertThat(walk(t.root(), 4, 0x1000_0000L)[1]).isEqualTo(1);
    PageTable noSp = new PageTable(mem, pool, 3, 0);
    noSp.map(0x200000L, 0x200000L, 0x200000, true, true);
    assertThat(walk(noSp.root(), 3, 0x200000L)[1]).isEqualTo(1);
  }

  @Test
  void aPresentLeafIsNeverOverwritten() {
    PageTable t = new PageTable(mem, pool, 4, 2);
    t.map(0x10000, 0x20000, 0x1000, true, true);
    int before = pool.pagesInUse();
    assertThatThrownBy(() -> t.map(0xf000, 0x50000, 0x3000, true, true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("DMA PTE already set");
    assertThat(walk(t.root(), 4, 0xf000)[0]).isZero();
    assertThat(pool.pagesInUse()).isEqualTo(before);
  }

  @Test
  void unmapClearsLeavesAndCollectsFullyCoveredTables() {
    PageTable t = new PageTable(mem, pool, 4, 0);
    t.map(0x200000L, 0x800000L, 0x400000, true, true); // two full level-1 tables
    PageTable.UnmapResult leaves = t.unmap(0x200000L, 0x1000);
    assertThat(leaves.freelist()).isEmpty();
    PageTable.UnmapResult whole = t.unmap(0x200000L, 0x400000);
    assertThat(whole.freelist()).hasSize(2);
    assertThat(walk(t.root(), 4, 0x300000L)[0]).isZero();
    // the freed table pages are not zeroed until the caller frees them
    assertThat(mem.read64(whole.freelist().get(1) + 8)).isNotZero();
  }

  @Test
  void unmappingPartOfASuperpageUnmapsAllOfIt() {
    PageTable t = new PageTable(mem, pool, 4, 1);
    t.map(0x200000L, 0x200000L, 0x200000, true, true);
    PageTable.UnmapResult r = t.unmap(0x200000L, 0x1000);
    assertThat(r.size()).isEqualTo(0x200000L);
    assertThat(t.leafLevel(0x3ff000L)).isZero();
  }

  @Test
  void anEmptyLowerTableMakesRoomForASuperpage() {
    PageTable t = new PageTable(mem, pool, 4, 1);
    t.map(0x200000L, 0x200000L, 0x1000, true, true);
    t.unmap(0x200000L, 0x1000);
    PageTable.MapResult r = t.map(0x200000L, 0x400000L, 0x200000, true, true);
    assertThat(r.freelist()).hasSize(1);
    assertThat(r.switchedRanges()).hasSize(1);
    assertThat(t.leafLevel(0x200000L)).isEqualTo(2);
  }

  @Test
  void rejectsMisuse() {
    PageTable t = new PageTable(mem, pool, 3, 1);
    assertThatThrownBy(() -> t.map(0x1001, 0, 0x1000, true, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.map(1L << 39, 0, 0x1000, true, true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("aperture");
    assertThatThrownBy(() -> t.map(0, 0, 0x1000, false, false)).isInstanceOf(IllegalArgumentException.class);
  }

  /** First stage with XD (Linux ≤6.10): bit 63 set in every entry must not leak into the walk's addresses. */
  @Test
  void firstStageTablesWithExecuteDisableMapUnmapAndSwitchToSuperpages() {
    PageTable t = new PageTable(mem, pool, 4, 2, PteFormat.firstStage(true, true));
    t.map(0x20_0000L, 0x80_0000L, 0x1000, true, false);
    t.map(0x20_1000L, 0x80_1000L, 0x1000, true, true); // walks through entries carrying XD
    long xd = 1L << 63;
    long[] ro = walk(t.root(), 4, 0x20_0000L);
    long[] rw = walk(t.root(), 4, 0x20_1000L);
    // P | U/S | A (+ R/W | D when writable) | XD: 0x25 / 0x67
    assertThat(ro).containsExactly(0x80_0000L | 0x25 | xd, 1);
    assertThat(rw).containsExactly(0x80_1000L | 0x67 | xd, 1);
    long top = mem.read64(t.root());
    assertThat(top & ~0x000F_FFFF_FFFF_F000L).isEqualTo(0x27 | xd); // P | R/W | U/S | A | XD
    assertThat(t.leafLevel(0x20_1000L)).isEqualTo(1);
    assertThat(t.unmap(0x20_0000L, 0x2000).freelist()).isEmpty();
    assertThat(t.anyPresent(0x20_0000L, 0x20_0000L)).isFalse();
    // the emptied 4 KiB table gives way to a 2 MiB leaf (PS) and goes on the freelist
    PageTable.MapResult r = t.map(0x20_0000L, 0x80_0000L, 0x20_0000L, true, true);
    assertThat(r.freelist()).hasSize(1);
    assertThat(walk(t.root(), 4, 0x21_2000L)).containsExactly(0x80_0000L | 0x67 | (1 << 7) | xd, 2);
    assertThat(t.format().firstStage()).isTrue();
  }
}
