package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracle's own walker against tables no well-behaved guest writes: loops are not followed, and a
 * walk stops at its budgets (512 entries and one leaf per guest RAM page); the oracle then reports
 * the range as unchecked instead of hanging or comparing a partial reading.
 */
class ReferenceWalkerGuardTest {
  static final SourceId NIC = SourceId.parse("00:03.0");
  static final long RW = SecondLevelPte.R | SecondLevelPte.W;
  static final long RAM = 1L << 20; // 256 pages: budgets 131072 entries, 256 leaves

  final GuestMemory mem = GuestMemory.flat(RAM);
  final TableBuilder tb = new TableBuilder(mem, 0x1000);
  final long top = tb.multiLevelContext(NIC.sid(), 1, 2); // 4 levels
  final EventLog log = new EventLog(new Clock());
  final ReferenceWalker walker = new ReferenceWalker(mem, new TestMachine(tb.rootTable()));

  private void fill(long table, long value) {
    for (int i = 0; i < SecondLevelPte.ENTRIES; i++) mem.write64(table + 8L * i, value);
  }

  private String walkAll(Runs out) {
    ReferenceWalker.Context c = walker.context(tb.rootTable(), NIC.sid());
    return walker.walk(c, 0, walker.limit(c), out);
  }

  @Test
  void budgetsComeFromGuestRamPages() {
    assertThat(walker.leafBudget()).isEqualTo(256);
    assertThat(walker.entryBudget()).isEqualTo(256L * 512);
  }

  @Test
  void aTablePointingAtItselfEverywhereTranslatesNothing() {
    fill(top, top | RW);
    Runs out = new Runs();
    assertThat(walkAll(out)).isNull();
    assertThat(out.toList()).isEmpty();
  }

  @Test
  void aLoopBackToAnAncestorIsNotFollowed() {
    long mid = tb.allocPage();
    mem.write64(top, mid | RW);
    fill(mid, top | RW);
    Runs out = new Runs();
    assertThat(walkAll(out)).isNull();
    assertThat(out.toList()).isEmpty();
  }

  @Test
  void aliasedTablesStopAtTheLeafBudget() {
    long l3 = tb.allocPage();
    long l2 = tb.allocPage();
    long l1 = tb.allocPage();
    fill(top, l3 | RW);
    fill(l3, l2 | RW);
    fill(l2, l1 | RW);
    fill(l1, 0x8000 | RW);
    Runs out = new Runs();
    assertThat(walkAll(out)).startsWith("guest-table walk aborted").contains("256 leaves");
    assertThat(out.toList()).hasSizeLessThanOrEqualTo(256);
  }

  @Test
  void aliasedEmptyTablesStopAtTheEntryBudget() {
    long l3 = tb.allocPage();
    long l2 = tb.allocPage();
    long l1 = tb.allocPage();
    fill(top, l3 | RW);
    fill(l3, l2 | RW);
    fill(l2, l1 | RW); // l1 empty: 512^4 entries to read through the aliases
    assertThat(walkAll(new Runs())).startsWith("guest-table walk aborted").contains("131072 entries");
  }

  @Test
  void theOracleReportsAnAbortedWalkAsAnUncheckedRange() {
    long l3 = tb.allocPage();
    long l2 = tb.allocPage();
    long l1 = tb.allocPage();
    fill(top, l3 | RW);
    fill(l3, l2 | RW);
    fill(l2, l1 | RW);
    fill(l1, 0x8000 | RW);
    HostContainer host = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
    IntentModel intent = new IntentModel();
    MappingOracle oracle = new MappingOracle(mem, new TestMachine(tb.rootTable()), intent, log);
    oracle.addDevice("nic", NIC, HostView.of(host), host.name());
    intent.attach("nic", "d1");
    List<Violation> found = oracle.check(0, "tangled tables", true);
    assertThat(found).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.MISSING_MAPPING);
      assertThat(v.device()).isEqualTo("nic");
      assertThat(v.detail()).contains("guest-table walk aborted").contains("could not be read in full");
    });
    assertThat(log.eventsOfKind(MappingOracle.EV_WALK_ABORTED)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("device", "nic"));
  }
}
