package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The paging-structure cache table on its own (VT-d spec 6.2.4): an entry at level L is found by
 * any IOVA in its 2^(12 + 9(L-1))-byte span and by no other, and a range removal (spec 6.5.2.3)
 * matches it when the range overlaps that span.
 */
class PagingStructureCacheTest {
  private static final long M2 = 2L << 20;
  private static final long G1 = 1L << 30;

  @Test
  void aPdeServesItsWhole2MiBSpanAndNothingElse() {
    PagingStructureCache c = new PagingStructureCache(16);
    c.put(3, 2, 5 * M2 + 0x1234, 0xA000, true, false);

    int slot = c.find(3, 2, 5 * M2);
    assertThat(slot).isNotNegative();
    assertThat(c.nextTable(slot)).isEqualTo(0xA000);
    assertThat(c.readable(slot)).isTrue();
    assertThat(c.writable(slot)).isFalse();
    assertThat(c.find(3, 2, 6 * M2 - 1)).isEqualTo(slot);
    assertThat(c.find(3, 2, 6 * M2)).as("the next PDE").isNegative();
    assertThat(c.find(3, 3, 5 * M2)).as("another level").isNegative();
    assertThat(c.find(4, 2, 5 * M2)).as("another domain").isNegative();
  }

  @Test
  void rangeRemovalMatchesTheSpanOfEachLevel() {
    PagingStructureCache c = new PagingStructureCache(16);
    c.put(1, 4, 0, 0x1000, true, true); // PML4E: [0, 512 GiB)
    c.put(1, 3, G1, 0x2000, true, true); // PDPE: [1 GiB, 2 GiB)
    c.put(1, 2, G1 + M2, 0x3000, true, true); // PDE: [1 GiB + 2 MiB, 1 GiB + 4 MiB)

    assertThat(c.removeRange(1, G1 + 2 * M2, G1 + 2 * M2 + 0xFFF)).as("just above the PDE").isEqualTo(2);
    assertThat(c.find(1, 2, G1 + M2)).isNotNegative();
    assertThat(c.removeRange(1, G1 + 2 * M2 - 0x1000, G1 + 2 * M2 - 1)).as("the PDE's last page").isEqualTo(1);
    assertThat(c.size()).isZero();
  }
}
