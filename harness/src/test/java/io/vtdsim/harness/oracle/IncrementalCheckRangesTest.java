package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventBody;
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
 * What an incremental check compares: exactly the 4 KiB pages that the ranges touched since the last
 * check overlap (README: "Incremental checks look only at the IOVA ranges a step touched"), merged
 * so that a defect spanning two touched ranges is one finding as in a full comparison; everything
 * once the touched bytes reach 256 MiB or an event changes a whole address space. Each test plants
 * host mappings the guest does not have (stale) inside and just outside the touched pages, so a page
 * checked too many or too few shows in the reported range (touching stale pages are one finding).
 */
class IncrementalCheckRangesTest {
  static final long MiB = 1L << 20;
  static final SourceId NIC = SourceId.parse("00:03.0");

  GuestMemory mem;
  TableBuilder tb;
  long slpt;
  TestMachine machine;
  EventLog log;
  Clock clock;
  IntentModel intent;
  FakeHost host;
  MappingOracle oracle;
  int step;

  @BeforeEach
  void setUp() {
    mem = GuestMemory.flat(256 * MiB);
    tb = new TableBuilder(mem, 192 * MiB);
    slpt = tb.multiLevelContext(NIC.sid(), 1, 2);
    machine = new TestMachine(tb.rootTable());
    clock = new Clock();
    log = new EventLog(clock);
    intent = new IntentModel();
    host = new FakeHost();
    oracle = new MappingOracle(mem, machine, intent, log);
    oracle.addDevice("nic", NIC, host, "host:nic");
    intent.attach("nic", "d1");
    intent.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
    tb.map(slpt, 4, 0x100000, 0x2000000, 4096, true, true);
    host.map(0x100000, 0x2000000, 0x1000, true, true);
    assertThat(check(true)).isEmpty(); // consumes "compare everything" after addDevice
  }

  private List<Violation> check(boolean full) {
    return oracle.check(step++, "step", full);
  }

  private List<String> incremental() {
    return brief(check(false));
  }

  private static List<String> brief(List<Violation> vs) {
    return vs.stream().map(v -> v.kind() + " 0x" + Long.toHexString(v.iova()) + "+0x" + Long.toHexString(v.size())).toList();
  }

  /** A host page the guest does not map (its own host mapping). */
  private void stale(long iova) {
    host.map(iova, 0x4000000 + 2 * iova, 0x1000, true, true);
  }

  private static String page(long iova) {
    return "stale-mapping 0x" + Long.toHexString(iova) + "+0x1000";
  }

  @Test
  void anUnalignedRangeCoversEveryPageItOverlapsAndNoOther() {
    for (long p = 0x3FF000; p <= 0x402000; p += 0x1000) stale(p);
    oracle.touch(0x400FF0, 0x20); // the last 16 bytes of 0x400000 and the first 16 of 0x401000
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x2000");
    oracle.touch(0x3FFFFF, 1); // the last byte of a page
    assertThat(incremental()).containsExactly(page(0x3FF000));
    oracle.touch(0x402000, 1); // the first byte of a page
    assertThat(incremental()).containsExactly(page(0x402000));
    oracle.touch(0x400800, 0x800); // ends exactly at the page's end
    assertThat(incremental()).containsExactly(page(0x400000));
  }

  @Test
  void anEmptyRangeTouchesNothing() {
    stale(0x400000);
    oracle.touch(0x400800, 0);
    oracle.touch(0x400000, -0x1000);
    long ranges = oracle.rangeChecks();
    long fulls = oracle.fullChecks();
    assertThat(incremental()).isEmpty();
    assertThat(oracle.rangeChecks()).isEqualTo(ranges);
    assertThat(oracle.fullChecks()).isEqualTo(fulls);
  }

  @Test
  void aCheckConsumesWhatWasTouched() {
    stale(0x400000);
    oracle.touch(0x400000, 0x1000);
    assertThat(incremental()).containsExactly(page(0x400000));
    assertThat(incremental()).isEmpty();
    oracle.touchAll();
    assertThat(incremental()).containsExactly(page(0x400000));
    assertThat(incremental()).isEmpty();
  }

  @Test
  void rangesThatTouchOrOverlapAreOneRangeAsInAFullComparison() {
    host.map(0x400000, 0x5000000, 0x3000, true, true); // one stale host mapping over three pages
    oracle.touch(0x400000, 0x1000);
    oracle.touch(0x401000, 0x1000); // starts where the first ends
    oracle.touch(0x402000, 0x1000);
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x3000");
    oracle.touch(0x402000, 0x1000);
    oracle.touch(0x400000, 0x1000);
    oracle.touch(0x401000, 0x1000); // bridges the two
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x3000");
    oracle.touch(0x401000, 0x2000);
    oracle.touch(0x400000, 0x1000); // ends where the first starts
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x3000");
    assertThat(brief(check(true))).containsExactly("stale-mapping 0x400000+0x3000");
  }

  @Test
  void aRangeInsideAnEarlierOneKeepsTheEarlierOnesEnd() {
    for (long p = 0x400000; p < 0x408000; p += 0x1000) stale(p);
    oracle.touch(0x400000, 0x8000);
    oracle.touch(0x401000, 0x1000);
    oracle.touch(0x403000, 0x100);
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x8000");
    oracle.touch(0x406000, 0x1000);
    oracle.touch(0x400000, 0x8000); // covers the earlier one and more on both sides
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x8000");
    oracle.touch(0x401000, 0x1000);
    oracle.touch(0x405000, 0x1000);
    oracle.touch(0x400000, 0x2000); // merges the first, not the second
    assertThat(incremental()).containsExactly("stale-mapping 0x400000+0x2000", page(0x405000));
  }

  @Test
  void aSingleRangeOf256MiBMakesTheCheckCompareEverything() {
    stale(0x40000000); // 1 GiB: outside every range touched below
    long fulls = oracle.fullChecks();
    oracle.touch(0, 256 * MiB - 0x1000);
    assertThat(incremental()).isEmpty();
    assertThat(oracle.fullChecks()).isEqualTo(fulls);
    oracle.touch(0, 256 * MiB);
    assertThat(incremental()).containsExactly(page(0x40000000));
    assertThat(oracle.fullChecks()).isEqualTo(fulls + 1);
  }

  @Test
  void touchedBytesAddUpToTheThresholdAndOverlapsCountOnce() {
    stale(0x40000000);
    oracle.touch(0, 128 * MiB);
    oracle.touch(128 * MiB, 128 * MiB - 0x1000); // 256 MiB - 4 KiB in all
    assertThat(incremental()).isEmpty();
    oracle.touch(0, 128 * MiB);
    oracle.touch(128 * MiB, 128 * MiB); // 256 MiB in all
    assertThat(incremental()).containsExactly(page(0x40000000));
    // the same 200 MiB three times, a range overlapping the end of an earlier one, and one whose
    // end overlaps the start of a later one: 200 MiB each time, never 256
    oracle.touch(0, 200 * MiB);
    oracle.touch(0, 200 * MiB);
    oracle.touch(0, 200 * MiB);
    assertThat(incremental()).isEmpty();
    oracle.touch(0, 100 * MiB);
    oracle.touch(50 * MiB, 150 * MiB);
    assertThat(incremental()).isEmpty();
    oracle.touch(100 * MiB, 100 * MiB);
    oracle.touch(0, 150 * MiB);
    assertThat(incremental()).isEmpty();
    oracle.touch(10 * MiB, 10 * MiB);
    oracle.touch(30 * MiB, 10 * MiB);
    oracle.touch(0, 200 * MiB); // swallows both
    assertThat(incremental()).isEmpty();
  }

  @Test
  void mergedRangesCountTheirUnionTowardsTheThreshold() {
    stale(0x40000000);
    // [1, 201) MiB, then [100, 257) MiB overlapping its end: the union is 256 MiB
    oracle.touch(MiB, 200 * MiB);
    oracle.touch(100 * MiB, 157 * MiB);
    assertThat(incremental()).containsExactly(page(0x40000000));
    // [200, 256) MiB, then [0, 255) MiB reaching into it: the union is 256 MiB
    oracle.touch(200 * MiB, 56 * MiB);
    oracle.touch(0, 255 * MiB);
    assertThat(incremental()).containsExactly(page(0x40000000));
    // the same with one page less: 256 MiB - 4 KiB, compared range by range
    oracle.touch(MiB, 200 * MiB);
    oracle.touch(100 * MiB, 157 * MiB - 0x1000);
    assertThat(incremental()).isEmpty();
    oracle.touch(200 * MiB, 56 * MiB - 0x1000);
    oracle.touch(0, 255 * MiB);
    assertThat(incremental()).isEmpty();
  }

  @Test
  void hostMapUnmapNotifyAndWalkEventsTouchTheirRanges() {
    for (long p : new long[] {0x400000, 0x500000, 0x600000, 0x700000, 0x800000}) stale(p);
    log.emit("host", new EventBody.HostMap("host:nic", 0x400000, 0x9000, 0x1000, true, true, "ok"));
    assertThat(incremental()).containsExactly(page(0x400000));
    log.emit("host", new EventBody.HostUnmap("host:nic", 0x500000, 0x1000, "ok", 0x1000));
    assertThat(incremental()).containsExactly(page(0x500000));
    log.emit("shadow", new EventBody.ShadowNotify("nic", true, 0x600000, 0x9000, 0x1000, true, true));
    assertThat(incremental()).containsExactly(page(0x600000));
    log.emit("shadow", new EventBody.ShadowWalk("nic", 0x700000, 0x701000, 1, "psi", null));
    assertThat(incremental()).containsExactly(page(0x700000));
    // the same kinds as untyped events with iova/size (start/end for a walk) attributes
    log.emit("host.map", "host:nic", null, Map.of("container", "host:nic", "iova", 0x800000L, "size", 0x1000L));
    assertThat(incremental()).containsExactly(page(0x800000));
    log.emit("host.unmap", "host:nic", null, Map.of("container", "host:nic", "iova", 0x400000L, "size", 0x1000L));
    assertThat(incremental()).containsExactly(page(0x400000));
    log.emit("shadow.notify", "shadow", null, Map.of("iova", 0x500000L, "size", 0x1000L));
    assertThat(incremental()).containsExactly(page(0x500000));
    log.emit("shadow.walk", "shadow", null, Map.of("start", 0x600000L, "end", 0x601000L));
    assertThat(incremental()).containsExactly(page(0x600000));
  }

  @Test
  void eventsWithoutARangeOrThatChangeAWholeAddressSpaceCompareEverything() {
    stale(0x400000);
    List<Runnable> wholeSpace = List.of(
        () -> log.emit("host.map", "host:nic", null, Map.of("container", "host:nic")),
        () -> log.emit("host.unmap", "host:nic", null, Map.of("container", "host:nic", "iova", 0x1000L)),
        () -> log.emit("shadow.notify", "shadow", null, Map.of("size", 0x1000L)),
        () -> log.emit("shadow.walk", "shadow", null, Map.of("start", 0L)),
        () -> log.emit("shadow", new EventBody.ShadowSwitch("nic", "translated")),
        () -> log.emit("vtd.command", "vtd", null, Map.of("command", "te")),
        () -> log.emit("vtd.descriptor", "vtd", null, Map.of("desc", "cc-global")),
        () -> log.emit("vtd.descriptor", "vtd", null, Map.of("desc", "cc-device")),
        () -> log.emit("vtd.descriptor", "vtd", null, Map.of("desc", "iotlb-global")),
        () -> log.emit("vtd.register-invalidation", "vtd", null, Map.of("desc", "iotlb-dsi")),
        () -> log.emit("driver", new EventBody.DriverCall("boot")),
        () -> log.emit("driver", new EventBody.DriverCall("attach", "device", "nic", "domain", "d1")),
        () -> log.emit("driver", new EventBody.DriverCall("detach", "device", "nic")),
        () -> log.emit("driver.call", "driver", null, Map.of("op", "attach")));
    for (int i = 0; i < wholeSpace.size(); i++) {
      long fulls = oracle.fullChecks();
      wholeSpace.get(i).run();
      assertThat(incremental()).as("event %d", i).containsExactly(page(0x400000));
      assertThat(oracle.fullChecks()).as("event %d", i).isEqualTo(fulls + 1);
    }
  }

  @Test
  void eventsThatChangeNothingTouchNothing() {
    stale(0x400000);
    log.emit("vtd.descriptor", "vtd", null, Map.of("desc", "iotlb-psi"));
    log.emit("vtd.descriptor", "vtd", null, Map.of("desc", "wait"));
    log.emit("vtd.translate", "vtd", null, Map.of("iova", 0x400000L, "size", 0x1000L));
    log.emit("dma.ok", "dma", null, Map.of("iova", 0x400000L, "size", 0x1000L));
    log.emit("driver", new EventBody.DriverCall("dma-map", "gpa", 0x400000L, "size", 0x1000L)); // no IOVA yet
    log.emit("host.error", "host:nic", "unmap: No such file or directory",
        Map.of("container", "host:nic", "op", "unmap", "errno", "ENOENT", "iova", 0x400000L, "size", 0x1000L));
    assertThat(incremental()).isEmpty();
  }

  @Test
  void driverCallsTouchTheirIovaRange() {
    stale(0x400000);
    stale(0x500000);
    log.emit("driver", new EventBody.DriverCall("unmap", "domain", "d1", "iova", 0x400000L, "size", 0x1000L));
    assertThat(incremental()).containsExactly(page(0x400000));
    log.emit("driver.call", "driver", null, Map.of("op", "map", "iova", 0x500000L, "size", 0x1000L));
    assertThat(incremental()).containsExactly(page(0x500000));
  }

  @Test
  void aHostErrorIsAViolationAndTouchesItsRange() {
    stale(0x400000);
    stale(0x500000);
    log.emit("host.error", "host:nic", "map: File exists",
        Map.of("container", "host:nic", "op", "map", "errno", "EEXIST", "iova", 0x400000L, "size", 0x1000L));
    List<Violation> v = check(false);
    assertThat(brief(v)).containsExactly("host-error 0x400000+0x1000", page(0x400000));
    assertThat(v.get(0).device()).isEqualTo("nic");
    assertThat(v.get(0).detail()).isEqualTo("host map failed with EEXIST: map: File exists");
    // an iommufd ENOENT for a map is not what QEMU ignores
    log.emit("host.error", "host:other", "map: ENOENT",
        Map.of("container", "host:other", "op", "map", "errno", "ENOENT", "iova", 0x500000L, "size", 0x1000L));
    v = check(false);
    assertThat(brief(v)).containsExactly("host-error 0x500000+0x1000", page(0x500000));
    assertThat(v.get(0).device()).isEmpty(); // no assigned device uses that container
    // one without a range compares everything
    log.emit("host.error", "host:nic", "limit", Map.of("container", "host:nic", "op", "map", "errno", "ENOSPC"));
    assertThat(brief(check(false))).containsExactly("host-error 0x0+0x0", page(0x400000), page(0x500000));
  }

  @Test
  void hostErrorsBeyondTheCapAreCountedIntoOneViolation() {
    int cap = MappingOracle.MAX_HOST_ERRORS_PER_CHECK;
    for (int i = 0; i < cap; i++) {
      log.emit("host.error", "host:nic", "e" + i, Map.of("container", "host:nic", "op", "map", "errno", "EEXIST"));
    }
    List<Violation> v = check(false);
    assertThat(v).hasSize(cap).allSatisfy(x -> assertThat(x.detail()).doesNotContain("more host errors"));
    for (int i = 0; i < cap + 2; i++) {
      log.emit("host.error", "host:nic", "e" + i, Map.of("container", "host:nic", "op", "map", "errno", "EEXIST"));
    }
    v = check(false);
    // cap - 1 one by one, then the cap-th and the two past the cap in one
    assertThat(v).hasSize(cap);
    assertThat(v.get(0).kind()).isEqualTo(Violation.HOST_ERROR);
    assertThat(v.get(0).device()).isEqualTo("nic");
    assertThat(v.get(0).detail()).isEqualTo("3 more host errors in this step, e.g. e" + (cap - 1));
    assertThat(v.get(1).detail()).endsWith(": e0");
    assertThat(check(false)).isEmpty();
  }

  @Test
  void queueErrorsAreViolationsOfTheStepTheyHappenedIn() {
    log.emit("vtd.iqe", "vtd", "reserved bits", Map.of("index", 3, "reason", "reserved"));
    List<Violation> v = check(false);
    assertThat(v).singleElement().satisfies(x -> {
      assertThat(x.kind()).isEqualTo(Violation.QUEUE_ERROR);
      assertThat(x.detail()).isEqualTo("invalidation queue error (IQE) at descriptor 3: reserved bits");
    });
    assertThat(check(false)).isEmpty();
  }

  @Test
  void anAbortedWalkOfATouchedRangeReportsThatRange() {
    // 1 MiB of RAM: at most 256 leaves per walk; a level-1 table full of leaves has 512
    GuestMemory small = GuestMemory.flat(MiB);
    TableBuilder t = new TableBuilder(small, 0x1000);
    long top = t.multiLevelContext(NIC.sid(), 1, 2);
    t.map(top, 4, 0, 0x80000, 4096, true, true);
    long l1 = t.entryAddress(top, 4, 0, 1);
    EventLog events = new EventLog(new Clock());
    MappingOracle o = new MappingOracle(small, new TestMachine(t.rootTable()), new IntentModel(), events);
    o.addDevice("nic", NIC, new FakeHost(), "host:nic");
    o.check(0, "first", true); // the first check after addDevice compares everything
    for (int i = 0; i < 512; i++) small.write64(l1 + 8L * i, 0x1000L * (i % 256) | SecondLevelPte.R | SecondLevelPte.W);
    o.touch(0x1000, 0x1FE000); // slots 1..510 of that table: 510 leaves
    List<Violation> v = o.check(0, "tangled", false);
    assertThat(v).singleElement().satisfies(x -> {
      assertThat(x.kind()).isEqualTo(Violation.MISSING_MAPPING);
      assertThat(x.iova()).isEqualTo(0x1000);
      assertThat(x.size()).isEqualTo(0x1FE000);
      assertThat(x.detail()).contains("more than 256 leaves");
    });
    assertThat(events.eventsOfKind(MappingOracle.EV_WALK_ABORTED)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("start", 0x1000L).containsEntry("end", 0x1FF000L));
    o.touch(0x1000, 0xFF000); // slots 1..255: 255 leaves, within the budget
    // read in full: the guest maps what the (empty) intent does not, and the (empty) host lacks it
    assertThat(o.check(1, "fewer", false)).extracting(Violation::kind)
        .containsExactly(Violation.STALE_MAPPING, Violation.MISSING_MAPPING);
    assertThat(o.check(2, "all", true)).singleElement().satisfies(x -> {
      assertThat(x.iova()).isZero();
      assertThat(x.size()).isZero(); // the whole space
    });
  }

  @Test
  void theInterruptWindowIsLeftOutOfATouchedRange() {
    host.map(0xFEE00000L, 0x3000000, 0x1000, true, true);
    stale(0xFEDFF000L);
    stale(0xFEF00000L);
    oracle.touch(0xFEDFF000L, 0x102000);
    assertThat(incremental()).containsExactly(page(0xFEDFF000L), page(0xFEF00000L));
  }

  @Test
  void aStaleWindowClosesWhenTheHostUnmapsItAndOnlyOnceItsRangeIsChecked() {
    long iova = 0x100000;
    intent.unmap("d1", iova, 0x1000);
    tb.unmap(slpt, 4, iova, 4096);
    boolean[] queued = {true};
    oracle.staleAllowance((d, i, s) -> queued[0] && i == iova && s == 0x1000);
    oracle.touch(iova, 0x1000);
    assertThat(incremental()).isEmpty(); // tolerated: the window opens at step 1, time 0
    oracle.touch(iova, 0x1000);
    assertThat(incremental()).isEmpty(); // step 2: still the same window
    host.unmap(iova); // gone from the host, no event
    queued[0] = false;
    stale(iova - 0x1000);
    stale(iova + 0x1000);
    oracle.touch(iova - 0x1000, 0x1000); // step 3 checks the pages either side: not the window's range
    oracle.touch(iova + 0x1000, 0x1000);
    assertThat(incremental()).containsExactly(page(iova - 0x1000), page(iova + 0x1000));
    assertThat(oracle.staleWindows()).singleElement().satisfies(w -> assertThat(w.toStep()).isEqualTo(-1));
    clock.advance(1_000);
    // an unmap that ends where the window starts does not close it; one that starts there does
    log.emit("host", new EventBody.HostUnmap("host:nic", iova - 0x1000, 0x1000, "ok", 0x1000));
    host.unmap(iova - 0x1000);
    clock.advance(2_000);
    log.emit("host", new EventBody.HostUnmap("host:nic", iova, 0x1000, "ok", 0x1000));
    clock.advance(4_000);
    host.unmap(iova + 0x1000);
    assertThat(incremental()).isEmpty(); // step 4: the unmaps touched the window's range
    assertThat(oracle.staleWindows()).singleElement().satisfies(w -> {
      assertThat(w.fromStep()).isEqualTo(1);
      assertThat(w.toStep()).isEqualTo(4);
      assertThat(w.fromNanos()).isZero();
      assertThat(w.toNanos()).isEqualTo(3_000); // when the host unmapped it, not when it was checked
    });
    assertThat(log.eventsOfKind(MappingOracle.EV_STALE_WINDOW)).hasSize(1);
    queued[0] = true;
    oracle.staleAllowance(null); // no allowance at all
    host.map(iova, 0x9000000, 0x1000, true, true);
    oracle.touch(iova, 0x1000);
    assertThat(incremental()).containsExactly(page(iova));
  }

  @Test
  void aWindowClosesAtTheUnmapThatRemovedItNotAtAnEarlierOneThatDidNot() {
    long iova = 0x100000;
    intent.unmap("d1", iova, 0x1000);
    tb.unmap(slpt, 4, iova, 4096);
    boolean[] queued = {true};
    oracle.staleAllowance((d, i, s) -> queued[0]);
    oracle.touch(iova, 0x1000);
    assertThat(incremental()).isEmpty(); // opens at time 0
    clock.advance(1_000);
    // an unmap call at time 1000 that left the mapping in place (the host still has it)
    log.emit("host", new EventBody.HostUnmap("host:nic", iova, 0x1000, "ok", 0));
    assertThat(incremental()).isEmpty();
    assertThat(oracle.staleWindows()).singleElement().satisfies(w -> assertThat(w.toStep()).isEqualTo(-1));
    clock.advance(1_000);
    host.unmap(iova); // removed at time 2000 without an event
    queued[0] = false;
    clock.advance(1_000);
    oracle.touch(iova, 0x1000);
    assertThat(incremental()).isEmpty();
    assertThat(oracle.staleWindows()).singleElement().satisfies(w -> assertThat(w.toNanos()).isEqualTo(3_000));
  }

  @Test
  void aHostMappingThatStartsBeforeATouchedRangeIsComparedByOffset() {
    // guest and host map [0x400000, 0x403000) → 0x3000000 alike; the host as one mapping
    intent.map("d1", 0x400000, 0x3000000, 0x3000, true, true);
    for (long off = 0; off < 0x3000; off += 0x1000) tb.map(slpt, 4, 0x400000 + off, 0x3000000 + off, 4096, true, true);
    host.map(0x400000, 0x3000000, 0x3000, true, true);
    oracle.touch(0x401000, 0x1000);
    assertThat(incremental()).isEmpty();
    oracle.touch(0x402000, 0x800);
    assertThat(incremental()).isEmpty();
    host.map(0x400000, 0x3001000, 0x3000, true, true); // now off by a page
    oracle.touch(0x401000, 0x1000);
    assertThat(incremental()).containsExactly("wrong-target 0x401000+0x1000");
  }

  @Test
  void anUnmapEventOfAnotherContainerDoesNotCloseAWindow() {
    long iova = 0x100000;
    intent.unmap("d1", iova, 0x1000);
    tb.unmap(slpt, 4, iova, 4096);
    boolean[] queued = {true};
    oracle.staleAllowance((d, i, s) -> queued[0]);
    oracle.touch(iova, 0x1000);
    assertThat(incremental()).isEmpty();
    clock.advance(1_000);
    log.emit("host", new EventBody.HostUnmap("host:gpu", iova, 0x1000, "ok", 0x1000));
    host.unmap(iova);
    queued[0] = false;
    clock.advance(1_000);
    assertThat(incremental()).isEmpty();
    assertThat(oracle.staleWindows()).singleElement().satisfies(w -> assertThat(w.toNanos()).isEqualTo(2_000));
  }

  @Test
  void aDeviceIsAddedOnce() {
    assertThatThrownBy(() -> oracle.addDevice("nic", NIC, host, "host:nic2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nic");
    assertThat(oracle.intent()).isSameAs(intent);
  }
}
