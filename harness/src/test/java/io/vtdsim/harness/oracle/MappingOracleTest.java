package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Planted defects in a host container or in the guest tables are caught with the right violation
 * kind. Guest tables are written with TableBuilder (spec 9.x formats); expectations are worked out by
 * hand from the spec: a leaf at level L covers its aligned slot, R/W AND down the levels (3.6).
 */
class MappingOracleTest {
  static final long MiB = 1L << 20;
  static final SourceId NIC = SourceId.parse("00:03.0");
  static final long IOVA = 0x100000;
  static final long GPA = 0x2000000;

  GuestMemory mem;
  TableBuilder tb;
  long slpt;
  TestMachine machine;
  EventLog log;
  IntentModel intent;
  FakeHost host;
  MappingOracle oracle;

  @BeforeEach
  void setUp() {
    mem = GuestMemory.flat(256 * MiB);
    tb = new TableBuilder(mem, 192 * MiB);
    slpt = tb.multiLevelContext(NIC.sid(), 1, 2);
    machine = new TestMachine(tb.rootTable());
    log = new EventLog(new Clock());
    intent = new IntentModel();
    host = new FakeHost();
    oracle = new MappingOracle(mem, machine, intent, log);
    oracle.addDevice("nic", NIC, host, "host:nic");
    intent.attach("nic", "d1");
    // the scenario mapped two pages rw; the guest table and the host agree
    intent.map("d1", IOVA, GPA, 0x2000, true, true);
    tb.map(slpt, 4, IOVA, GPA, 4096, true, true);
    tb.map(slpt, 4, IOVA + 0x1000, GPA + 0x1000, 4096, true, true);
    host.map(IOVA, GPA, 0x1000, true, true).map(IOVA + 0x1000, GPA + 0x1000, 0x1000, true, true);
  }

  List<Violation> full() {
    return oracle.check(7, "the step", true);
  }

  @Test
  void agreeingHostGuestAndIntentPass() {
    assertThat(full()).isEmpty();
  }

  @Test
  void extraHostMappingIsStale() {
    host.map(0x400000, 0x3000000, 0x1000, true, false);
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.STALE_MAPPING);
      assertThat(v.device()).isEqualTo("nic");
      assertThat(v.iova()).isEqualTo(0x400000);
      assertThat(v.size()).isEqualTo(0x1000);
      assertThat(v.step()).isEqualTo(7);
      assertThat(v.detail()).contains("host maps").contains("0x3000000");
    });
  }

  @Test
  void lostHostMappingIsMissing() {
    host.unmap(IOVA + 0x1000);
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.MISSING_MAPPING);
      assertThat(v.iova()).isEqualTo(IOVA + 0x1000);
      assertThat(v.size()).isEqualTo(0x1000);
    });
  }

  @Test
  void hostPointingElsewhereIsWrongTarget() {
    host.map(IOVA + 0x1000, GPA + 0x5000, 0x1000, true, true);
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.WRONG_TARGET);
      assertThat(v.iova()).isEqualTo(IOVA + 0x1000);
      assertThat(v.detail()).contains("0x2001000").contains("0x2005000");
    });
  }

  @Test
  void hostWithOtherPermissionsIsWrongPermission() {
    host.map(IOVA, GPA, 0x1000, true, false);
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.WRONG_PERMISSION);
      assertThat(v.iova()).isEqualTo(IOVA);
      assertThat(v.detail()).contains("expected rw").contains("host has r");
    });
  }

  @Test
  void guestTableMappingMoreThanIntendedIsStaleAgainstTheIntent() {
    // a driver left a leaf behind; the host faithfully mirrors it
    tb.map(slpt, 4, 0x800000, 0x3000000, 4096, true, true);
    host.map(0x800000, 0x3000000, 0x1000, true, true);
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.STALE_MAPPING);
      assertThat(v.iova()).isEqualTo(0x800000);
      assertThat(v.detail()).contains("intent").contains("guest table maps");
    });
  }

  @Test
  void guestTablePointingElsewhereIsWrongTargetAgainstTheIntent() {
    tb.setEntry(slpt, 4, IOVA, 1, SecondLevelPte.leaf(GPA + 0x9000, true, true).encode());
    host.map(IOVA, GPA + 0x9000, 0x1000, true, true);
    assertThat(full()).extracting(Violation::kind).containsExactly(Violation.WRONG_TARGET);
  }

  @Test
  void permissionsAreAndedDownTheLevels() {
    // the level-2 entry above IOVA allows reads only: the rw leaves are effectively read-only (spec 3.6)
    long pde = tb.entryAddress(slpt, 4, IOVA, 2);
    mem.write64(pde, mem.read64(pde) & ~SecondLevelPte.W);
    List<Violation> v = full();
    assertThat(v).extracting(Violation::kind)
        .containsExactlyInAnyOrder(Violation.WRONG_PERMISSION, Violation.WRONG_PERMISSION);
    assertThat(v).anySatisfy(x -> assertThat(x.detail()).contains("expected rw (intent); guest table has r"));
    assertThat(v).anySatisfy(x -> assertThat(x.detail()).contains("expected r (guest table); host has rw"));
  }

  @Test
  void aSuperpageEqualsTheSame512SmallHostMappings() {
    intent.map("d1", 0x40000000, 0x4000000, 2 * MiB, true, true);
    tb.map(slpt, 4, 0x40000000, 0x4000000, 2 * MiB, true, true);
    for (long off = 0; off < 2 * MiB; off += 0x1000) host.map(0x40000000 + off, 0x4000000 + off, 0x1000, true, true);
    assertThat(full()).isEmpty();
  }

  @Test
  void aSuperpageLeafCoversItsWholeSlot() {
    intent.map("d1", 0x40000000, 0x4000000, 2 * MiB, true, true);
    tb.map(slpt, 4, 0x40000000, 0x4000000, 2 * MiB, true, true);
    host.map(0x40000000, 0x4000000, 0x1000, true, true);
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.MISSING_MAPPING);
      assertThat(v.iova()).isEqualTo(0x40001000);
      assertThat(v.size()).isEqualTo(2 * MiB - 0x1000);
    });
  }

  @Test
  void aLeafWithReservedBitsTranslatesNothing() {
    // SNP (bit 11) is reserved without ECAP.SC (spec 9.8): DMA through the entry faults
    long pte = tb.entryAddress(slpt, 4, IOVA, 1);
    mem.write64(pte, mem.read64(pte) | SecondLevelPte.SNP);
    List<Violation> v = full();
    assertThat(v).extracting(Violation::kind)
        .containsExactlyInAnyOrder(Violation.MISSING_MAPPING, Violation.STALE_MAPPING);
    assertThat(v).allSatisfy(x -> assertThat(x.iova()).isEqualTo(IOVA));
  }

  @Test
  void withTranslationOffTheHostMustMapRamIdentically() {
    machine.te = false;
    FakeHost identity = new FakeHost().map(0, 0, 256 * MiB, true, true);
    MappingOracle o = new MappingOracle(mem, machine, intent, log);
    o.addDevice("nic", NIC, identity, "host:nic");
    assertThat(o.check(0, "boot", true)).isEmpty();
    assertThat(full()).extracting(Violation::kind).contains(Violation.MISSING_MAPPING);
  }

  @Test
  void passThroughContextMeansIdentity() {
    tb.passThroughContext(NIC.sid(), 1, 2);
    FakeHost identity = new FakeHost().map(0, 0, 128 * MiB, true, true).map(128 * MiB, 128 * MiB, 128 * MiB, true, true);
    MappingOracle o = new MappingOracle(mem, machine, intent, log);
    o.addDevice("nic", NIC, identity, "host:nic");
    assertThat(o.check(0, "attach", true)).isEmpty();
    identity.map(128 * MiB, 0, 128 * MiB, true, true);
    assertThat(o.check(0, "attach", true)).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.WRONG_TARGET);
      assertThat(v.iova()).isEqualTo(128 * MiB);
      assertThat(v.size()).isEqualTo(128 * MiB);
    });
  }

  @Test
  void afterDetachEveryHostMappingIsStale() {
    tb.clearContext(NIC.sid());
    intent.detach("nic");
    assertThat(full()).singleElement().satisfies(v -> {
      assertThat(v.kind()).isEqualTo(Violation.STALE_MAPPING);
      assertThat(v.iova()).isEqualTo(IOVA);
      assertThat(v.size()).isEqualTo(0x2000);
    });
  }

  @Test
  void theInterruptWindowIsNotComparedWithTheHost() {
    intent.map("d1", 0xFEE00000L, 0x3000000, 0x1000, true, true);
    tb.map(slpt, 4, 0xFEE00000L, 0x3000000, 4096, true, true);
    assertThat(full()).isEmpty();
  }

  @Test
  void incrementalChecksLookOnlyAtTouchedRanges() {
    full(); // consumes the initial "compare everything"
    host.map(0x400000, 0x3000000, 0x1000, true, false);
    assertThat(oracle.check(8, "unrelated", false)).isEmpty();
    oracle.touch(0x400000, 0x1000);
    assertThat(oracle.check(9, "touching", false)).extracting(Violation::kind).containsExactly(Violation.STALE_MAPPING);
    host.unmap(0x400000);
    log.emit("host.map", "host:nic", null, Map.of("container", "host:nic", "iova", 0x500000L, "size", 0x1000L));
    host.map(0x500000, 0x3000000, 0x1000, true, true);
    assertThat(oracle.check(10, "event-touched", false)).extracting(Violation::iova).containsExactly(0x500000L);
    assertThat(oracle.rangeChecks()).isEqualTo(2);
  }

  @Test
  void hostErrorsAndQueueErrorsDuringAStepAreViolations() {
    log.emit("host.error", "host:nic", "map [0x100000, +0x1000): File exists",
        Map.of("container", "host:nic", "op", "map", "errno", "EEXIST", "iova", IOVA, "size", 0x1000L));
    log.emit("vtd.iqe", "vtd", "reserved bits", Map.of("index", 3, "reason", "reserved"));
    List<Violation> v = full();
    assertThat(v).extracting(Violation::kind).containsExactly(Violation.HOST_ERROR, Violation.QUEUE_ERROR);
    assertThat(v.get(0).device()).isEqualTo("nic");
    assertThat(v.get(0).detail()).contains("EEXIST");
    assertThat(full()).isEmpty();
  }

  @Test
  void lazyModeToleratesQueuedIovasAndReportsTheStaleWindow() {
    // dma-unmap of the second page: the guest PTE is cleared at once, the host keeps it until the flush
    intent.unmap("d1", IOVA + 0x1000, 0x1000);
    tb.unmap(slpt, 4, IOVA + 0x1000, 4096);
    boolean[] queued = {true};
    oracle.staleAllowance((d, iova, size) -> queued[0] && iova == IOVA + 0x1000 && size == 0x1000);
    assertThat(oracle.check(3, "dma-unmap", true)).isEmpty();
    log.clock().advance(10_000_000);
    queued[0] = false; // flushed, but the host still has it: now it is a violation
    assertThat(oracle.check(4, "advance", true)).extracting(Violation::kind).containsExactly(Violation.STALE_MAPPING);
    host.unmap(IOVA + 0x1000);
    assertThat(oracle.check(5, "advance", true)).isEmpty();
    assertThat(oracle.staleWindows()).singleElement().satisfies(w -> {
      assertThat(w.iova()).isEqualTo(IOVA + 0x1000);
      assertThat(w.fromStep()).isEqualTo(3);
      assertThat(w.toStep()).isEqualTo(4);
      assertThat(w.nanos()).isEqualTo(10_000_000);
    });
    assertThat(log.eventsOfKind(MappingOracle.EV_STALE_WINDOW)).hasSize(1);
  }
}
