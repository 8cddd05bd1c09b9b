package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.harness.oracle.ReferenceWalker.Context;
import io.vtdsim.harness.oracle.ReferenceWalker.ContextKind;
import org.junit.jupiter.api.Test;

/**
 * The oracle's reference walker at its edges, with expectations from the VT-d spec: the root and
 * context entry decode (9.1, 9.3: not present → every request faults; reserved bits, TT 11b, an AW
 * the unit does not support, or an entry outside memory → fault), the top of the address width (the
 * last slot, index 511 at every level, 3.6), slot-aligned leaves of a walk that starts or ends inside
 * a slot, permissions ANDed down the levels (3.6), reserved bits of second-level entries (9.8: SNP
 * without ECAP.SC, address bits at and above HAW, PS in a level-4 entry, the sub-page address bits of
 * a superpage, PS at a level whose size CAP.SLLPS does not report), and the exact budgets.
 */
class ReferenceWalkerEdgesTest {
  static final SourceId NIC = SourceId.parse("00:03.0");
  static final long RW = SecondLevelPte.R | SecondLevelPte.W;
  static final long MiB = 1L << 20;
  static final long GiB = 1L << 30;

  GuestMemory mem = GuestMemory.flat(16 * MiB);
  TableBuilder tb = new TableBuilder(mem, 8 * MiB);
  TestMachine machine = new TestMachine(tb.rootTable());
  ReferenceWalker walker = new ReferenceWalker(mem, machine);

  private Context ctx() {
    return walker.context(tb.rootTable(), NIC.sid());
  }

  private ContextKind kind() {
    return ctx().kind();
  }

  private Runs walk(long start, long end) {
    Runs out = new Runs();
    assertThat(walker.walk(ctx(), start, end, out)).isNull();
    return out;
  }

  private static MappedRange rw(long iova, long gpa, long size) {
    return new MappedRange(iova, gpa, size, true, true);
  }

  // ---- root and context entries ----

  @Test
  void aRootTableOutsideMemoryIsInvalid() {
    assertThat(walker.context(16 * MiB, NIC.sid()).kind()).isEqualTo(ContextKind.INVALID);
    // the root entry's high quadword is the last one inside memory: still unreadable as a whole entry
    assertThat(walker.context(16 * MiB - 8 - 16L * NIC.bus(), NIC.sid()).kind()).isEqualTo(ContextKind.INVALID);
  }

  @Test
  void aRootEntryNotPresentMeansNoContext() {
    assertThat(kind()).isEqualTo(ContextKind.ABSENT);
  }

  @Test
  void aRootEntryWithReservedBitsIsInvalid() {
    tb.multiLevelContext(NIC.sid(), 1, 2);
    long re = tb.rootTable() + 16L * NIC.bus();
    long lo = mem.read64(re);
    assertThat(kind()).isEqualTo(ContextKind.TRANSLATED);
    mem.write64(re, lo | 0x2); // bit 1 (11:1 reserved)
    assertThat(kind()).isEqualTo(ContextKind.INVALID);
    mem.write64(re, lo | (1L << 48)); // at HAW 48
    assertThat(kind()).isEqualTo(ContextKind.INVALID);
    mem.write64(re, lo);
    mem.write64(re + 8, 1); // the high quadword is reserved
    assertThat(kind()).isEqualTo(ContextKind.INVALID);
  }

  @Test
  void aContextTableOutsideMemoryIsInvalid() {
    long re = tb.rootTable() + 16L * NIC.bus();
    mem.write64(re, (32 * MiB) | 1);
    assertThat(kind()).isEqualTo(ContextKind.INVALID);
  }

  @Test
  void aContextEntryNotPresentMeansNoContext() {
    tb.contextRaw(NIC.sid(), 0x5000 | (2 << 2), 2 | (1 << 8)); // all but P
    assertThat(kind()).isEqualTo(ContextKind.ABSENT);
  }

  @Test
  void aContextEntryWithReservedBitsIsInvalid() {
    long top = tb.allocPage();
    long lo = top | 1;
    long hi = 2 | (7 << 8);
    tb.contextRaw(NIC.sid(), lo, hi);
    assertThat(ctx()).isEqualTo(new Context(ContextKind.TRANSLATED, top, 4, 7));
    for (long bad : new long[] {1L << 4, 1L << 11, 1L << 48}) {
      tb.contextRaw(NIC.sid(), lo | bad, hi);
      assertThat(kind()).as("lo bit %d", Long.numberOfTrailingZeros(bad)).isEqualTo(ContextKind.INVALID);
    }
    for (long bad : new long[] {1L << 4, 1L << 7, 1L << 24, 1L << 63}) {
      tb.contextRaw(NIC.sid(), lo, hi | bad);
      assertThat(kind()).as("hi bit %d", Long.numberOfTrailingZeros(bad)).isEqualTo(ContextKind.INVALID);
    }
    tb.contextRaw(NIC.sid(), lo, hi | (1 << 3)); // hi bit 3 is ignored
    assertThat(kind()).isEqualTo(ContextKind.TRANSLATED);
  }

  @Test
  void translationTypesDecideTheKind() {
    long top = tb.allocPage();
    tb.contextRaw(NIC.sid(), top | (1 << 2) | 1, 2 | (3 << 8)); // TT 01b: multi-level with device-TLB
    assertThat(ctx()).isEqualTo(new Context(ContextKind.TRANSLATED, top, 4, 3));
    tb.contextRaw(NIC.sid(), (2 << 2) | 1, 2 | (9 << 8)); // TT 10b: pass-through
    assertThat(ctx().kind()).isEqualTo(ContextKind.PASS_THROUGH);
    assertThat(ctx().did()).isEqualTo(9);
    tb.contextRaw(NIC.sid(), top | (3 << 2) | 1, 2 | (3 << 8)); // TT 11b: reserved
    assertThat(kind()).isEqualTo(ContextKind.INVALID);
  }

  @Test
  void addressWidthsTheUnitDoesNotSupportAreInvalid() {
    long top = tb.allocPage();
    int[] aws = {0, 1, 2, 3, 4, 7};
    ContextKind[] at48 = {ContextKind.INVALID, ContextKind.TRANSLATED, ContextKind.TRANSLATED, ContextKind.INVALID,
        ContextKind.INVALID, ContextKind.INVALID};
    for (int i = 0; i < aws.length; i++) {
      tb.contextRaw(NIC.sid(), top | 1, aws[i] | (1 << 8));
      assertThat(kind()).as("AW %d with MGAW 48", aws[i]).isEqualTo(at48[i]);
    }
    tb.contextRaw(NIC.sid(), top | 1, 1 | (1 << 8));
    assertThat(ctx().levels()).isEqualTo(3);
    machine.gaw = 57;
    tb.contextRaw(NIC.sid(), top | 1, 3 | (1 << 8));
    assertThat(ctx()).isEqualTo(new Context(ContextKind.TRANSLATED, top, 5, 1));
    machine.gaw = 39;
    tb.contextRaw(NIC.sid(), top | 1, 2 | (1 << 8)); // 48-bit tables on a 39-bit unit
    assertThat(kind()).isEqualTo(ContextKind.INVALID);
    tb.contextRaw(NIC.sid(), top | 1, 1 | (1 << 8));
    assertThat(kind()).isEqualTo(ContextKind.TRANSLATED);
  }

  @Test
  void theLimitIsTheSmallerOfTheTableWidthAndTheGuestAddressWidth() {
    assertThat(walker.limit(new Context(ContextKind.TRANSLATED, 0, 3, 1))).isEqualTo(1L << 39);
    assertThat(walker.limit(new Context(ContextKind.TRANSLATED, 0, 4, 1))).isEqualTo(1L << 48);
    assertThat(walker.limit(new Context(ContextKind.TRANSLATED, 0, 5, 1))).isEqualTo(1L << 48);
    machine.gaw = 57;
    assertThat(walker.limit(new Context(ContextKind.TRANSLATED, 0, 5, 1))).isEqualTo(1L << 57);
    machine.gaw = 63; // 2^63 is not a long: the limit saturates
    assertThat(walker.limit(new Context(ContextKind.TRANSLATED, 0, 6, 1))).isEqualTo(Long.MAX_VALUE);
    machine.gaw = 62;
    assertThat(walker.limit(new Context(ContextKind.TRANSLATED, 0, 6, 1))).isEqualTo(1L << 62);
  }

  @Test
  void onlyATranslatedContextHasLeaves() {
    tb.passThroughContext(NIC.sid(), 1, 2);
    Runs out = new Runs();
    assertThat(walker.walk(ctx(), 0, 1L << 48, out)).isNull();
    assertThat(out.count()).isZero();
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).isEmpty();
  }

  // ---- the top of the address width ----

  @Test
  void theLastSlotOfA4LevelTableIsTranslated() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    long last = (1L << 48) - 0x1000; // index 511 at every level
    tb.map(top, 4, last, 0x5000, 4096, true, true);
    tb.map(top, 4, 0, 0x6000, 4096, true, true);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0, 0x6000, 0x1000),
        rw(last, 0x5000, 0x1000));
    assertThat(walk(last, 1L << 48).toList()).containsExactly(rw(last, 0x5000, 0x1000));
    assertThat(walk(last + 0xFFF, Long.MAX_VALUE).toList()).containsExactly(rw(last, 0x5000, 0x1000));
    assertThat(walk(0x1000, last).toList()).isEmpty();
    assertThat(walk(1L << 48, Long.MAX_VALUE).toList()).isEmpty();
  }

  @Test
  void theLastSlotOfA3LevelTableIsTranslated() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 1);
    long last = (1L << 39) - 0x1000;
    tb.map(top, 3, last, 0x5000, 4096, true, false);
    tb.map(top, 3, (1L << 39) - 2 * MiB - GiB, 0x200000, 2 * MiB, true, true); // index 510 of L3, 511 of L2
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(
        rw((1L << 39) - 2 * MiB - GiB, 0x200000, 2 * MiB), new MappedRange(last, 0x5000, 0x1000, true, false));
  }

  @Test
  void aWalkReadsNoEntryPastTheEndOfATable() {
    // the table after a level-1 table in memory is full of leaves; none of them belongs to it
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1FF000, 0x5000, 4096, true, true); // index 511 of the first level-1 table
    long l1 = tb.entryAddress(top, 4, 0x1FF000, 1) - 8 * 511;
    long next = tb.allocPage();
    assertThat(next).isEqualTo(l1 + 0x1000);
    for (int i = 0; i < 512; i++) mem.write64(next + 8L * i, 0x100000 + 0x1000L * i | RW);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0x1FF000, 0x5000, 0x1000));
  }

  @Test
  void aWalkInsideASlotReturnsTheWholeSlot() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, GiB, 0x200000, 2 * MiB, true, true);
    tb.map(top, 4, GiB + 2 * MiB, 0x900000, 4096, true, true);
    tb.map(top, 4, GiB + 2 * MiB + 0x2000, 0xA00000, 4096, true, true);
    assertThat(walk(GiB + 0x1800, GiB + 0x1801).toList()).containsExactly(rw(GiB, 0x200000, 2 * MiB));
    // [end of the 2 MiB slot - 1, the next page + 1): both leaves, not the one after
    assertThat(walk(GiB + 2 * MiB - 1, GiB + 2 * MiB + 0x1001).toList())
        .containsExactly(rw(GiB, 0x200000, 2 * MiB), rw(GiB + 2 * MiB, 0x900000, 0x1000));
    assertThat(walk(GiB + 2 * MiB + 0x1000, GiB + 2 * MiB + 0x2000).toList()).isEmpty();
    assertThat(walk(GiB + 2 * MiB + 0x1FFF, GiB + 2 * MiB + 0x2001).toList())
        .containsExactly(rw(GiB + 2 * MiB + 0x2000, 0xA00000, 0x1000));
    assertThat(walk(GiB, GiB).toList()).isEmpty();
    assertThat(walk(GiB + 0x1800, GiB + 0x1800).toList()).isEmpty(); // an empty range inside a leaf's slot
  }

  // ---- permissions and reserved bits ----

  @Test
  void permissionsAreAndedDownTheLevelsAndNoAccessIsNoLeaf() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1000, 0x5000, 4096, true, false);
    tb.map(top, 4, 0x2000, 0x6000, 4096, true, true);
    tb.map(top, 4, 0x3000, 0x9000, 4096, false, true);
    long pde = tb.entryAddress(top, 4, 0x1000, 2);
    mem.write64(pde, mem.read64(pde) & ~SecondLevelPte.R); // the level-2 entry: write only
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(
        new MappedRange(0x2000, 0x6000, 0x1000, false, true), new MappedRange(0x3000, 0x9000, 0x1000, false, true));
  }

  @Test
  void aNonLeafEntryWithReservedBitsHidesItsWholeTable() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1000, 0x5000, 4096, true, true);
    long pde = tb.entryAddress(top, 4, 0x1000, 2);
    long v = mem.read64(pde);
    mem.write64(pde, v | SecondLevelPte.SNP);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).isEmpty();
    machine.sc = true; // with snoop control SNP is defined
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0x1000, 0x5000, 0x1000));
    mem.write64(pde, v | SecondLevelPte.TM);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).isEmpty();
  }

  @Test
  void aLeafAddressAtOrAboveTheHostAddressWidthIsReserved() {
    machine.haw = 39;
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1000, 0x5000, 4096, true, true);
    long pte = tb.entryAddress(top, 4, 0x1000, 1);
    mem.write64(pte, (1L << 38) | 0x5000 | RW); // bit 38: inside HAW 39
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0x1000, (1L << 38) | 0x5000, 0x1000));
    mem.write64(pte, (1L << 39) | 0x5000 | RW);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).isEmpty();
    // bits 63 and 61:52 are ignored: the address is bits 51:12
    mem.write64(pte, (1L << 63) | (1L << 55) | 0x5000 | RW);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0x1000, 0x5000, 0x1000));
  }

  @Test
  void psInALevel4EntryIsReserved() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1000, 0x5000, 4096, true, true);
    mem.write64(top, mem.read64(top) | SecondLevelPte.PS);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).isEmpty();
  }

  @Test
  void theSubPageAddressBitsOfASuperpageAreReserved() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 2 * MiB, 4 * MiB, 2 * MiB, true, true);
    tb.map(top, 4, GiB, 0, GiB, true, true);
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(2 * MiB, 4 * MiB, 2 * MiB), rw(GiB, 0, GiB));
    long pde = tb.entryAddress(top, 4, 2 * MiB, 2);
    mem.write64(pde, mem.read64(pde) | 0x1000); // bit 12 of a 2 MiB leaf
    long pdpe = tb.entryAddress(top, 4, GiB, 3);
    mem.write64(pdpe, mem.read64(pdpe) | (1L << 29)); // bit 29 of a 1 GiB leaf
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).isEmpty();
  }

  @Test
  void psWhereTheUnitReportsNoSuchPageSizeTranslatesNothing() {
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 2 * MiB, 4 * MiB, 2 * MiB, true, true);
    tb.map(top, 4, GiB, 0, GiB, true, true);
    tb.map(top, 4, 2 * GiB + 0x1000, 0x5000, 4096, true, true);
    machine.sp2M = false;
    machine.sp1G = false;
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(2 * GiB + 0x1000, 0x5000, 0x1000));
    machine.sp2M = true; // 2 MiB only (CAP.SLLPS = 01b)
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(2 * MiB, 4 * MiB, 2 * MiB),
        rw(2 * GiB + 0x1000, 0x5000, 0x1000));
    machine.sp2M = false; // 1 GiB without 2 MiB: not a valid SLLPS, but each bit is read on its own
    machine.sp1G = true;
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(GiB, 0, GiB),
        rw(2 * GiB + 0x1000, 0x5000, 0x1000));
  }

  @Test
  void aPsEntryTheUnitCanNotUseIsNotATablePointerEither() {
    // the PS=1 level-2 entry points at a page that looks like a level-1 table full of leaves
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1000, 0x5000, 4096, true, true);
    long fake = tb.allocPage();
    for (int i = 0; i < 512; i++) mem.write64(fake + 8L * i, 0x100000 + 0x1000L * i | RW);
    long pde = tb.entryAddress(top, 4, 2 * MiB, 2);
    mem.write64(pde, fake | SecondLevelPte.PS | RW);
    long pdpe = tb.entryAddress(top, 4, GiB, 3);
    mem.write64(pdpe, fake | SecondLevelPte.PS | RW);
    machine.sp2M = false;
    machine.sp1G = false;
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0x1000, 0x5000, 0x1000));
  }

  @Test
  void psInALevel1EntryIsIgnored() {
    // level 1 is always the last level (QEMU vtd_is_last_pte); bit 7 is not in its reserved mask
    long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    tb.map(top, 4, 0x1000, 0x5000, 4096, true, true);
    long pte = tb.entryAddress(top, 4, 0x1000, 1);
    mem.write64(pte, mem.read64(pte) | SecondLevelPte.PS);
    machine.sp2M = false;
    machine.sp1G = false;
    assertThat(walker.leaves(tb.rootTable(), NIC.sid())).containsExactly(rw(0x1000, 0x5000, 0x1000));
  }

  // ---- the budgets, exactly ----

  /** 1 MiB of RAM: 256 pages, so 256 leaves and 256 × 512 = 131072 entries per walk. */
  static final class Small {
    final GuestMemory mem = GuestMemory.flat(MiB);
    final TableBuilder tb = new TableBuilder(mem, 0x1000);
    final long top = tb.multiLevelContext(NIC.sid(), 1, 2);
    final ReferenceWalker walker = new ReferenceWalker(mem, new TestMachine(tb.rootTable()));

    String walkAll(Runs out) {
      Context c = walker.context(tb.rootTable(), NIC.sid());
      return walker.walk(c, 0, walker.limit(c), out);
    }
  }

  @Test
  void aWalkMayReadExactlyItsEntryBudget() {
    // the top table (512 entries) plus n entries pointing at one empty level-3 table (512 each)
    for (int n : new int[] {255, 256}) {
      Small s = new Small();
      long empty = s.tb.allocPage();
      for (int i = 0; i < n; i++) s.mem.write64(s.top + 8L * i, empty | RW);
      String stopped = s.walkAll(new Runs());
      if (n == 255) {
        assertThat(stopped).as("512 + 255 × 512 = 131072 entries").isNull();
      } else {
        assertThat(stopped).as("512 + 256 × 512 = 131584 entries").contains("more than 131072 entries");
      }
    }
  }

  @Test
  void aWalkMayCollectExactlyItsLeafBudget() {
    for (int n : new int[] {256, 257}) {
      Small s = new Small();
      s.tb.map(s.top, 4, 0, 0, 4096, true, true);
      long l1 = s.tb.entryAddress(s.top, 4, 0, 1);
      for (int i = 0; i < n; i++) s.mem.write64(l1 + 8L * i, 0x1000L * (i % 256) | RW);
      Runs out = new Runs();
      String stopped = s.walkAll(out);
      if (n == 256) {
        assertThat(stopped).isNull();
        assertThat(out.toList()).containsExactly(rw(0, 0, 256 * 0x1000L));
      } else {
        assertThat(stopped).contains("more than 256 leaves");
      }
    }
  }

  @Test
  void aWalkThatWouldReadOneEntryPastItsBudgetStops() {
    // top slots 0..255 → one empty level-3 table; the walk ends 257 slots into the last one:
    // 256 + 255 × 512 + 257 = 131073 entries, one more than the budget (and 131072 with 256)
    for (long k : new long[] {257, 256}) {
      Small s = new Small();
      long empty = s.tb.allocPage();
      for (int i = 0; i < 256; i++) s.mem.write64(s.top + 8L * i, empty | RW);
      Context c = s.walker.context(s.tb.rootTable(), NIC.sid());
      String stopped = s.walker.walk(c, 0, (255L << 39) + (k << 30), new Runs());
      if (k == 257) assertThat(stopped).contains("more than 131072 entries");
      else assertThat(stopped).isNull();
    }
  }

  @Test
  void aWalkThatStartsInsideATableCountsOnlyTheEntriesFromThere() {
    // top slots 256..511 read (256 entries), 255 of them → one empty level-3 table (512 each):
    // 256 + 255 × 512 = 130816 entries, within the budget of 131072
    Small s = new Small();
    long empty = s.tb.allocPage();
    for (int i = 256; i < 511; i++) s.mem.write64(s.top + 8L * i, empty | RW);
    Context c = s.walker.context(s.tb.rootTable(), NIC.sid());
    assertThat(s.walker.walk(c, 256L << 39, 1L << 48, new Runs())).isNull();
  }

  @Test
  void aWalkCountsOnlyTheEntriesOfItsRange() {
    // one page of RAM (budget 512 entries) that is root table, context table and top table at once
    GuestMemory one = GuestMemory.flat(0x1000);
    one.write64(0, 1); // root entry of bus 0: present, context table at 0
    one.write64(16L * NIC.devfn(), 1); // context entry: present, multi-level, SLPTPTR 0
    one.write64(16L * NIC.devfn() + 8, 2 | (1 << 8)); // AW 2 (4 levels), DID 1
    ReferenceWalker w = new ReferenceWalker(one, new TestMachine(0));
    Context c = w.context(0, NIC.sid());
    assertThat(c).isEqualTo(new Context(ContextKind.TRANSLATED, 0, 4, 1));
    // top slots 300..511: 212 entries, all empty
    assertThat(w.walk(c, 300L << 39, 1L << 48, new Runs())).isNull();
    // the whole table: 512 entries, its present ones lead back to itself and are not followed
    assertThat(w.walk(c, 0, 1L << 48, new Runs())).isNull();
  }

  @Test
  void theBudgetsStartAfreshForEachWalk() {
    Small s = new Small();
    long empty = s.tb.allocPage();
    for (int i = 0; i < 255; i++) s.mem.write64(s.top + 8L * i, empty | RW);
    for (int k = 0; k < 3; k++) assertThat(s.walkAll(new Runs())).isNull();
    Small t = new Small();
    t.tb.map(t.top, 4, 0, 0, 4096, true, true);
    long l1 = t.tb.entryAddress(t.top, 4, 0, 1);
    for (int i = 0; i < 200; i++) t.mem.write64(l1 + 8L * i, 0x1000L * i | RW);
    for (int k = 0; k < 3; k++) assertThat(t.walkAll(new Runs())).isNull();
  }

  @Test
  void budgetsCountThePagesOfEveryRamRegion() {
    // q35: RAM below 2 GiB and the rest from 4 GiB up (the budget counts pages, not the span)
    ReferenceWalker w = new ReferenceWalker(GuestMemory.q35(3 * GiB), new TestMachine(0));
    assertThat(w.leafBudget()).isEqualTo(3 * GiB / 4096);
    assertThat(w.entryBudget()).isEqualTo(3 * GiB / 4096 * 512);
  }

  @Test
  void aWalkOfATinyMemoryStillHasABudget() {
    GuestMemory tiny = GuestMemory.flat(0x1000);
    ReferenceWalker w = new ReferenceWalker(tiny, new TestMachine(0));
    assertThat(w.leafBudget()).isEqualTo(1);
    assertThat(w.entryBudget()).isEqualTo(512);
  }
}
