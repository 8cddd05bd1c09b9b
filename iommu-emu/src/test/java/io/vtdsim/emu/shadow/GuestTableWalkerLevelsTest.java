package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shadow's walk at the ends of the level range (VT-d spec 3.6: 3-, 4- and 5-level tables; a
 * one-level walk reads a leaf table) and the reserved bits of a PML5E (bits at and above HAW, 9.8).
 */
class GuestTableWalkerLevelsTest {
  static final long RW = SecondLevelPte.R | SecondLevelPte.W;
  final GuestMemory mem = GuestMemory.flat(1L << 20);
  final TableBuilder tb = new TableBuilder(mem, 0x1000);
  final GuestTableWalker walker = new GuestTableWalker(mem, 48, false, true, true);
  final List<long[]> slots = new ArrayList<>();
  final GuestTableWalker.SlotSink sink = (iova, gpa, size, perm) -> slots.add(new long[] {iova, size, gpa, perm});

  private List<String> maps() {
    return slots.stream().filter(s -> s[3] != 0).map(s -> Long.toHexString(s[0]) + "+" + Long.toHexString(s[1])
        + "→" + Long.toHexString(s[2])).toList();
  }

  @Test
  void aFiveLevelTableIsWalkedToItsLeaf() {
    long top = tb.allocPage();
    long iova = 1L << 50; // PML5 index 1 (bits 56:48)
    tb.map(top, 5, iova, 0x8000, 4096, true, true);
    walker.walk(top, 5, 0, 1L << 57, true, sink);
    assertThat(maps()).containsExactly(Long.toHexString(iova) + "+1000→8000");
  }

  @Test
  void aReservedBitInAPml5eTranslatesNothingBelowIt() {
    long top = tb.allocPage();
    long iova = 1L << 50;
    tb.map(top, 5, iova, 0x8000, 4096, true, true);
    long pml5e = top + 8L * 4; // index of bits 56:48 of 1 << 50
    mem.write64(pml5e, mem.read64(pml5e) | (1L << 49)); // above HAW 48
    walker.walk(top, 5, 0, 1L << 57, true, sink);
    assertThat(maps()).isEmpty();
  }

  @Test
  void aOneLevelWalkReadsALeafTable() {
    long leaf = tb.allocPage();
    mem.write64(leaf + 8L * 3, 0x9000 | RW);
    walker.walk(leaf, 1, 0, 1L << 21, true, sink);
    assertThat(maps()).containsExactly("3000+1000→9000");
  }

  @Test
  void budgetsMustBeAtLeastOne() {
    assertThat(new GuestTableWalker(mem, 48, false, true, true, 1, 1).entryBudget()).isEqualTo(1);
    assertThatThrownBy(() -> new GuestTableWalker(mem, 48, false, true, true, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GuestTableWalker(mem, 48, false, true, true, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
