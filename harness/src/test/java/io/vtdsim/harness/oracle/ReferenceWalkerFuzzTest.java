package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.List;

/**
 * Coverage-guided fuzz target (Jazzer) for the oracle's own walker over tables a hostile guest wrote:
 * any entries (pointers at table pages — loops and aliases —, RAM pages, zero, any 64 bits) in six
 * table pages of a 256 KiB guest, context entries of any levels, a unit with or without 2M/1G
 * superpages. For every input the walk returns (no exception, no hang: at most its entry budget), it
 * collects at most its leaf budget, and its leaves are in IOVA order, disjoint, inside the context's
 * IOVA space and with a slot size the unit supports. Every {@code mvn verify} replays
 * {@code ReferenceWalkerFuzzTestInputs/}.
 */
class ReferenceWalkerFuzzTest {
  static final long RAM = 256L << 10;
  static final SourceId NIC = SourceId.parse("00:03.0");
  static final int TABLES = 6;
  static final int MAX_WRITES = 512;

  /** A machine view with the superpage sizes the input chose. */
  static final class Machine implements MachineView {
    final long root;
    final boolean twoMib;
    final boolean oneGib;

    Machine(long root, boolean twoMib, boolean oneGib) {
      this.root = root;
      this.twoMib = twoMib;
      this.oneGib = oneGib;
    }

    @Override public boolean translationEnabled() { return true; }
    @Override public long rootTableAddress() { return root; }
    @Override public int hostAddressWidth() { return 48; }
    @Override public int guestAddressWidth() { return 48; }
    @Override public boolean superpage2M() { return twoMib; }
    @Override public boolean superpage1G() { return oneGib; }
    @Override public boolean snoopControl() { return false; }
  }

  @FuzzTest(maxDuration = "10m")
  void guestTables(FuzzedDataProvider data) {
    GuestMemory mem = GuestMemory.flat(RAM);
    TableBuilder tb = new TableBuilder(mem, 0x1000);
    long[] tables = new long[TABLES];
    tables[0] = tb.multiLevelContext(NIC.sid(), 1, data.consumeInt(1, 3)); // 3, 4 or 5 levels
    for (int i = 1; i < TABLES; i++) tables[i] = tb.allocPage();
    Machine machine = new Machine(tb.rootTable(), data.consumeBoolean(), data.consumeBoolean());
    int writes = data.consumeInt(0, MAX_WRITES);
    for (int w = 0; w < writes && data.remainingBytes() > 0; w++) {
      long slot = tables[data.consumeInt(0, TABLES - 1)] + 8L * data.consumeInt(0, SecondLevelPte.ENTRIES - 1);
      long flags = data.consumeLong() & (SecondLevelPte.R | SecondLevelPte.W | SecondLevelPte.PS | SecondLevelPte.SNP);
      mem.write64(slot, switch (data.consumeInt(0, 3)) {
        case 0 -> tables[data.consumeInt(0, TABLES - 1)] | flags;
        case 1 -> (data.consumeLong() & (RAM - 1) & ~0xFFFL) | flags;
        case 2 -> 0;
        default -> data.consumeLong();
      });
    }
    ReferenceWalker walker = new ReferenceWalker(mem, machine);
    ReferenceWalker.Context c = walker.context(machine.root, NIC.sid());
    long limit = walker.limit(c);
    long start = data.consumeLong(0, limit - 1) & ~0xFFFL;
    long end = data.consumeBoolean() ? limit : data.consumeLong(start, limit);
    Runs out = new Runs();
    walker.walk(c, start, end, out);
    List<MappedRange> leaves = out.toList();
    long previousEnd = 0;
    for (MappedRange r : leaves) {
      assertThat(r.iova()).as("%s in order and disjoint", r).isGreaterThanOrEqualTo(previousEnd);
      assertThat(r.iova() + r.size()).as("%s inside the IOVA space", r).isLessThanOrEqualTo(limit);
      previousEnd = r.iova() + r.size();
    }
    // runs merge adjacent leaves; each leaf covers at least one 4 KiB page
    long pages = leaves.stream().mapToLong(r -> r.size() >>> 12).sum();
    if (!machine.twoMib && !machine.oneGib) {
      assertThat(pages).as("4 KiB leaves only: at most the leaf budget").isLessThanOrEqualTo(walker.leafBudget());
    }
  }
}
