package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shadow walker's guards against a misbehaving guest: loops back onto the current descent are
 * skipped, and one walk stops at its entry and mapping budgets (512 entries and one MAP per guest RAM
 * page) with an "aborted: ..." reason — where QEMU's vtd_page_walk would follow every alias.
 */
class GuestTableWalkerGuardTest {
  static final long RAM = 1L << 20; // 256 pages: budgets 131072 entries, 256 mappings
  static final long RW = SecondLevelPte.R | SecondLevelPte.W;
  static final long ALL_48 = 1L << 48;

  final GuestMemory mem = GuestMemory.flat(RAM);
  final GuestTableWalker walker = new GuestTableWalker(mem, 48, false, true, true);
  final List<long[]> slots = new ArrayList<>();
  final GuestTableWalker.SlotSink sink = (iova, gpa, size, perm) -> slots.add(new long[] {iova, size, gpa, perm});

  private void fill(long table, long value) {
    for (int i = 0; i < SecondLevelPte.ENTRIES; i++) mem.write64(table + 8L * i, value);
  }

  private long maps() {
    return slots.stream().filter(s -> s[3] != 0).count();
  }

  @Test
  void budgetsComeFromGuestRamPages() {
    assertThat(walker.entryBudget()).isEqualTo(256L * 512);
    assertThat(walker.mappingBudget()).isEqualTo(256L);
    GuestTableWalker big = new GuestTableWalker(GuestMemory.q35(4L << 30), 48, false, true, true);
    assertThat(big.mappingBudget()).isEqualTo((4L << 30) / 4096);
    assertThat(big.entryBudget()).isEqualTo((4L << 30) / 4096 * 512);
  }

  @Test
  void aTableWhoseEntriesAllPointAtItselfIsReadOnce() {
    long top = 0x1000;
    fill(top, top | RW);
    GuestTableWalker.Outcome o = walker.walk(top, 4, 0, ALL_48, true, sink);
    assertThat(o.entries()).isEqualTo(512);
    assertThat(o.aborted()).isNull();
    assertThat(slots).isEmpty();
  }

  @Test
  void entriesPointingBackAtAnAncestorAreSkipped() {
    long top = 0x1000;
    long mid = 0x2000;
    mem.write64(top, mid | RW);
    fill(mid, top | RW);
    GuestTableWalker.Outcome o = walker.walk(top, 4, 0, ALL_48, true, sink);
    assertThat(o.entries()).isEqualTo(1024);
    assertThat(o.aborted()).isNull();
    assertThat(maps()).isZero();
    assertThat(slots).hasSize(511); // the top table's 511 empty slots, as UNMAP
  }

  @Test
  void aliasedTablesWithValidLeavesStopAtTheMappingBudget() {
    long l4 = 0x1000, l3 = 0x2000, l2 = 0x3000, l1 = 0x4000;
    fill(l4, l3 | RW);
    fill(l3, l2 | RW);
    fill(l2, l1 | RW);
    fill(l1, 0x5000 | RW); // 512^4 leaves through aliases
    GuestTableWalker.Outcome o = walker.walk(l4, 4, 0, ALL_48, true, sink);
    assertThat(o.aborted()).startsWith("aborted: ").contains("256 mappings");
    assertThat(o.mappings()).isEqualTo(256);
    assertThat(maps()).isEqualTo(256);
    assertThat(o.entries()).isLessThanOrEqualTo(walker.entryBudget());
  }

  @Test
  void aliasedTablesWithEmptyLeavesStopAtTheEntryBudget() {
    long l4 = 0x1000, l3 = 0x2000, l2 = 0x3000, l1 = 0x4000;
    fill(l4, l3 | RW);
    fill(l3, l2 | RW);
    fill(l2, l1 | RW); // l1 stays empty: every leaf slot is an UNMAP
    GuestTableWalker.Outcome o = walker.walk(l4, 4, 0, ALL_48, true, sink);
    assertThat(o.aborted()).startsWith("aborted: ").contains("131072 entries");
    assertThat(o.entries()).isLessThanOrEqualTo(walker.entryBudget()).isGreaterThan(walker.entryBudget() - 512);
    assertThat(slots.size()).isLessThanOrEqualTo((int) walker.entryBudget());
  }

  @Test
  void aWellFormedTreeIsWalkedInFull() {
    long l4 = 0x1000, l3 = 0x2000, l2 = 0x3000, l1 = 0x4000;
    mem.write64(l4, l3 | RW);
    mem.write64(l3, l2 | RW);
    mem.write64(l2, l1 | RW);
    for (int i = 0; i < 200; i++) mem.write64(l1 + 8L * i, (0x10_0000L + 4096L * i) | RW);
    GuestTableWalker.Outcome o = walker.walk(l4, 4, 0, ALL_48, true, sink);
    assertThat(o.aborted()).isNull();
    assertThat(o.entries()).isEqualTo(4 * 512);
    assertThat(o.mappings()).isEqualTo(200);
  }
}
