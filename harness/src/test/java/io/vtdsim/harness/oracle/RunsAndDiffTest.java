package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.RamRegion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The run lists and the comparison the oracle's verdicts come from, at their boundaries: runs that
 * touch, holes and clips that start or end exactly at a run's edge, RAM gaps, and findings that
 * touch. Expected values are worked out by hand.
 */
class RunsAndDiffTest {
  static final int RW = 3;
  static final int R = 1;
  static final int W = 2;

  static Runs runs(long... iovaSizeGpaPerm) {
    Runs r = new Runs();
    for (int i = 0; i < iovaSizeGpaPerm.length; i += 4) {
      r.add(iovaSizeGpaPerm[i], iovaSizeGpaPerm[i + 1], iovaSizeGpaPerm[i + 2], (int) iovaSizeGpaPerm[i + 3]);
    }
    return r;
  }

  static MappedRange mr(long iova, long gpa, long size, int perm) {
    return new MappedRange(iova, gpa, size, (perm & 1) != 0, (perm & 2) != 0);
  }

  record Finding(Violation.Kind kind, long iova, long size, String detail) {
    @Override
    public String toString() {
      return kind + " 0x" + Long.toHexString(iova) + "+0x" + Long.toHexString(size);
    }
  }

  static List<Finding> diff(Runs expected, Runs actual) {
    return diff(expected, actual, null);
  }

  static List<Finding> diff(Runs expected, Runs actual, Diff.StaleFilter filter) {
    List<Finding> out = new ArrayList<>();
    Diff.compare(expected, actual, "want", "have", filter, (k, i, s, d) -> out.add(new Finding(k, i, s, d)));
    return out;
  }

  static List<String> brief(List<Finding> f) {
    return f.stream().map(Finding::toString).toList();
  }

  // ---- Runs ----

  @Test
  void contiguousRunsWithContiguousTargetsAndEqualPermissionsMerge() {
    Runs r = runs(0x1000, 0x1000, 0x5000, RW, 0x2000, 0x1000, 0x6000, RW);
    assertThat(r.toList()).containsExactly(mr(0x1000, 0x5000, 0x2000, RW));
    assertThat(r.count()).isEqualTo(1);
    assertThat(r.end(0)).isEqualTo(0x3000);
    assertThat(r.bytes()).isEqualTo(0x2000);
  }

  @Test
  void runsThatDifferInTargetPermissionOrPlaceStaySeparate() {
    Runs r = runs(0x1000, 0x1000, 0x5000, RW, 0x2000, 0x1000, 0x7000, RW, // target jumps
        0x3000, 0x1000, 0x8000, R, // permission differs
        0x5000, 0x1000, 0x9000, R); // IOVA gap (0x4000 unmapped) though the target is contiguous
    assertThat(r.toList()).containsExactly(mr(0x1000, 0x5000, 0x1000, RW), mr(0x2000, 0x7000, 0x1000, RW),
        mr(0x3000, 0x8000, 0x1000, R), mr(0x5000, 0x9000, 0x1000, R));
    assertThat(r.bytes()).isEqualTo(0x4000);
    assertThat(r.iova(3)).isEqualTo(0x5000);
    assertThat(r.size(3)).isEqualTo(0x1000);
    assertThat(r.gpa(3)).isEqualTo(0x9000);
    assertThat(r.perm(3)).isEqualTo(R);
  }

  @Test
  void emptyRunsAreIgnoredAndOutOfOrderRunsAreRefused() {
    Runs r = runs(0x1000, 0x1000, 0x5000, RW);
    r.add(0x8000, 0, 0x9000, RW);
    r.add(0x8000, -0x1000, 0x9000, RW);
    assertThat(r.count()).isEqualTo(1);
    assertThatThrownBy(() -> r.add(0x1FFF, 0x1000, 0x9000, RW)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("out of order").hasMessageContaining("0x1fff").hasMessageContaining("0x2000");
    r.add(0x2000, 0x1000, 0x9000, R); // exactly at the end: fine
    assertThat(r.count()).isEqualTo(2);
  }

  @Test
  void manyRunsAreAllKept() {
    Runs r = new Runs();
    List<MappedRange> want = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      r.add(0x2000L * i, 0x1000, 0x100000L + 0x3000L * i, 1 + i % 3);
      want.add(mr(0x2000L * i, 0x100000L + 0x3000L * i, 0x1000, 1 + i % 3));
    }
    assertThat(r.toList()).isEqualTo(want);
    assertThat(Runs.of(want).toList()).isEqualTo(want);
    assertThat(r.toString()).startsWith("[[0x0, 0x1000) → 0x100000 r, [0x2000, 0x3000) → 0x103000 w,");
  }

  @Test
  void aListFilledToItsCapacityKeepsEveryRunThroughEachOperation() {
    // 16, 32, 64 runs: exactly the sizes the arrays grow to
    for (int count : new int[] {16, 32, 64}) {
      Runs r = new Runs();
      for (int i = 0; i < count; i++) r.add(0x2000L * i, 0x1000, 0x2000L * i, RW);
      assertThat(r.count()).isEqualTo(count);
      assertThat(r.bytes()).isEqualTo(0x1000L * count);
      assertThat(r.clip(0, Long.MAX_VALUE).toList()).isEqualTo(r.toList());
      assertThat(r.without(-2, -1).toList()).isEqualTo(r.toList());
      assertThat(r.targetsIn(List.of(new RamRegion(0, 0x2000L * count))).toList()).isEqualTo(r.toList());
      assertThat(diff(r, r.clip(0, Long.MAX_VALUE))).isEmpty();
    }
  }

  @Test
  void permissionsAreNamedLikeTheReports() {
    assertThat(Runs.perm(true, true)).isEqualTo((byte) RW);
    assertThat(Runs.perm(true, false)).isEqualTo((byte) R);
    assertThat(Runs.perm(false, true)).isEqualTo((byte) W);
    assertThat(Runs.perm(false, false)).isEqualTo((byte) 0);
    assertThat(List.of(Runs.permText(0), Runs.permText(1), Runs.permText(2), Runs.permText(3)))
        .containsExactly("-", "r", "w", "rw");
  }

  @Test
  void clipKeepsThePiecesInsideWithShiftedTargets() {
    Runs r = runs(0x1000, 0x3000, 0x10000, RW, 0x5000, 0x1000, 0x20000, R);
    assertThat(r.clip(0x2000, 0x5800).toList()).containsExactly(mr(0x2000, 0x11000, 0x2000, RW),
        mr(0x5000, 0x20000, 0x800, R));
    assertThat(r.clip(0x4000, 0x5000).toList()).isEmpty(); // between the runs, edges included
    assertThat(r.clip(0, Long.MAX_VALUE).toList()).isEqualTo(r.toList());
  }

  @Test
  void withoutCutsTheHoleOutAndKeepsRunsThatOnlyTouchIt() {
    Runs r = runs(0x1000, 0x1000, 0x10000, RW, // ends at the hole's start
        0x3000, 0x4000, 0x20000, RW, // straddles the whole hole
        0x9000, 0x1000, 0x30000, R); // starts at the hole's end
    assertThat(r.without(0x2000, 0x9000).toList()).containsExactly(mr(0x1000, 0x10000, 0x1000, RW),
        mr(0x9000, 0x30000, 0x1000, R));
    assertThat(r.without(0x4000, 0x5000).toList()).containsExactly(mr(0x1000, 0x10000, 0x1000, RW),
        mr(0x3000, 0x20000, 0x1000, RW), mr(0x5000, 0x22000, 0x2000, RW), mr(0x9000, 0x30000, 0x1000, R));
    assertThat(r.without(0x2000, 0x3000).toList()).isEqualTo(r.toList());
    assertThat(r.without(0xA000, 0xB000).toList()).isEqualTo(r.toList());
    assertThat(r.without(0x2800, 0x3800).toList()).containsExactly(mr(0x1000, 0x10000, 0x1000, RW),
        mr(0x3800, 0x20800, 0x3800, RW), mr(0x9000, 0x30000, 0x1000, R));
  }

  @Test
  void targetsInKeepsOnlyThePartsThatPointIntoRam() {
    List<RamRegion> ram = List.of(new RamRegion(0, 0x10000), new RamRegion(0x20000, 0x10000));
    // one run whose targets cross the RAM gap [0x10000, 0x20000) and run past the end of RAM
    Runs r = runs(0x100000, 0x40000, 0x8000, W);
    assertThat(r.targetsIn(ram).toList()).containsExactly(mr(0x100000, 0x8000, 0x8000, W),
        mr(0x118000, 0x20000, 0x10000, W));
    assertThat(runs(0x0, 0x1000, 0x10000, RW).targetsIn(ram).toList()).isEmpty(); // first byte of the gap
    assertThat(runs(0x0, 0x1000, 0xF000, RW).targetsIn(ram).toList()).containsExactly(mr(0, 0xF000, 0x1000, RW));
    assertThat(Runs.identity(ram).toList()).containsExactly(mr(0, 0, 0x10000, RW), mr(0x20000, 0x20000, 0x10000, RW));
  }

  // ---- Diff ----

  @Test
  void equalRunListsDifferInNothing() {
    Runs a = runs(0, 0x3000, 0x10000, RW, 0x5000, 0x1000, 0x30000, R);
    assertThat(diff(a, runs(0, 0x3000, 0x10000, RW, 0x5000, 0x1000, 0x30000, R))).isEmpty();
    assertThat(diff(new Runs(), new Runs())).isEmpty();
    // the same translation cut into other runs is still the same translation
    assertThat(diff(runs(0, 0x2000, 0x10000, RW), runs(0, 0x1000, 0x10000, RW, 0x1000, 0x1000, 0x11000, RW))).isEmpty();
  }

  @Test
  void eachKindOfDifferenceIsFoundOverExactlyItsRange() {
    Runs expected = runs(0x1000, 0x4000, 0x10000, RW);
    Runs actual = runs(0x1000, 0x1000, 0x10000, RW, // agrees
        0x2000, 0x1000, 0x31000, RW, // wrong target
        0x3000, 0x1000, 0x12000, R, // same target, other permission
        // 0x4000 missing
        0x5000, 0x1000, 0x40000, W); // stale, right after the expected run
    List<Finding> f = diff(expected, actual);
    assertThat(brief(f)).containsExactly("wrong-target 0x2000+0x1000", "wrong-permission 0x3000+0x1000",
        "missing-mapping 0x4000+0x1000", "stale-mapping 0x5000+0x1000");
    assertThat(f.get(0).detail()).isEqualTo("expected → gpa 0x11000 (want); have maps → gpa 0x31000");
    assertThat(f.get(1).detail()).isEqualTo("expected rw (want); have has r");
    assertThat(f.get(2).detail()).isEqualTo("expected → gpa 0x13000 rw (want); have has no mapping");
    assertThat(f.get(3).detail()).isEqualTo("expected no mapping (want); have maps → gpa 0x40000 w");
  }

  @Test
  void aWrongTargetIsReportedAsSuchEvenWhenThePermissionDiffersToo() {
    assertThat(brief(diff(runs(0, 0x1000, 0x10000, RW), runs(0, 0x1000, 0x20000, R))))
        .containsExactly("wrong-target 0x0+0x1000");
  }

  @Test
  void touchingPiecesOfOneKindAreOneFindingAndAGapMakesTwo() {
    // three expected runs that can not merge (targets jump), the host has none of them: one finding
    Runs expected = runs(0x1000, 0x1000, 0x10000, RW, 0x2000, 0x1000, 0x50000, RW, 0x3000, 0x1000, 0x90000, R);
    List<Finding> f = diff(expected, new Runs());
    assertThat(brief(f)).containsExactly("missing-mapping 0x1000+0x3000");
    assertThat(f.get(0).detail()).contains("0x10000"); // described by its first piece
    // the same with a gap between the second and the third: two findings
    Runs gapped = runs(0x1000, 0x1000, 0x10000, RW, 0x2000, 0x1000, 0x50000, RW, 0x4000, 0x1000, 0x90000, R);
    assertThat(brief(diff(gapped, new Runs()))).containsExactly("missing-mapping 0x1000+0x2000",
        "missing-mapping 0x4000+0x1000");
    // stale ones likewise, found against an empty expectation
    assertThat(brief(diff(new Runs(), gapped))).containsExactly("stale-mapping 0x1000+0x2000",
        "stale-mapping 0x4000+0x1000");
  }

  @Test
  void piecesOfOneKindSeparatedByAgreementAreTwoFindings() {
    Runs expected = runs(0x1000, 0x3000, 0x10000, RW);
    Runs actual = runs(0x1000, 0x1000, 0x20000, RW, 0x2000, 0x1000, 0x11000, RW, 0x3000, 0x1000, 0x30000, RW);
    assertThat(brief(diff(expected, actual))).containsExactly("wrong-target 0x1000+0x1000", "wrong-target 0x3000+0x1000");
  }

  @Test
  void findingsAtTheTopOfTheAddressSpaceAndAtZero() {
    long top = 0x7FFF_FFFF_FFFF_E000L; // the oracle's full range ends at Long.MAX_VALUE
    assertThat(brief(diff(runs(0, 0x1000, 0, RW), runs(top, 0x1000, 0x5000, RW))))
        .containsExactly("missing-mapping 0x0+0x1000", "stale-mapping 0x" + Long.toHexString(top) + "+0x1000");
  }

  @Test
  void aToleratedStalePieceIsNotReportedAndSplitsTheFindingsAroundIt() {
    Runs actual = runs(0x1000, 0x1000, 0x10000, RW, 0x2000, 0x1000, 0x50000, RW, 0x3000, 0x1000, 0x90000, RW);
    List<long[]> asked = new ArrayList<>();
    List<Finding> f = diff(new Runs(), actual, (iova, size) -> {
      asked.add(new long[] {iova, size});
      return iova == 0x2000;
    });
    assertThat(brief(f)).containsExactly("stale-mapping 0x1000+0x1000", "stale-mapping 0x3000+0x1000");
    assertThat(asked).extracting(a -> a[0] + "+" + a[1]).containsExactly(0x1000 + "+" + 0x1000,
        0x2000 + "+" + 0x1000, 0x3000 + "+" + 0x1000);
    // the filter is asked about stale pieces only
    List<long[]> asked2 = new ArrayList<>();
    diff(runs(0x1000, 0x1000, 0x10000, RW), new Runs(), (iova, size) -> asked2.add(new long[] {iova}));
    assertThat(asked2).isEmpty();
  }

  @Test
  void theDefaultRangeQueryReturnsTheMappingsOverlappingTheRangeOnly() {
    FakeHost h = new FakeHost().map(0x1000, 0x9000, 0x1000, true, true).map(0x3000, 0xA000, 0x2000, true, false);
    assertThat(h.mappingsIn(0x2000, 0x3000)).isEmpty(); // between them, edges included
    assertThat(h.mappingsIn(0x1FFF, 0x3001)).containsExactly(mr(0x1000, 0x9000, 0x1000, RW), mr(0x3000, 0xA000, 0x2000, R));
    assertThat(h.mappingsIn(0x3800, 0x4000)).containsExactly(mr(0x3000, 0xA000, 0x2000, R));
    assertThat(h.mappingsIn(0, 0x1000)).isEmpty();
  }

  // ---- the value types ----

  @Test
  void valueTypesCheckTheirArgumentsAndPrintWhatTheyHold() {
    assertThatThrownBy(() -> new MappedRange(0x1000, 0, 0, true, true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MappedRange(0x1000, 0, -1, true, true)).isInstanceOf(IllegalArgumentException.class);
    MappedRange m = new MappedRange(0x1000, 0x5000, 0x2000, true, false);
    assertThat(m.end()).isEqualTo(0x3000);
    assertThat(m.perm()).isEqualTo("r");
    assertThat(m).hasToString("[0x1000, 0x3000) → 0x5000 r");
    assertThatThrownBy(() -> Violation.Kind.of("no-such-kind"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-kind");
    assertThatThrownBy(() -> new Violation(null, 0, "", "", 0, 0, "")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Violation.Kind.of("wrong-target")).isEqualTo(Violation.WRONG_TARGET);
    assertThat(Violation.WRONG_TARGET.label()).isEqualTo("wrong-target"); // the name scenario files use
    assertThatThrownBy(() -> Violation.Kind.of("stale")).hasMessageEndingWith("known: stale-mapping, missing-mapping, "
        + "wrong-target, wrong-permission, host-error, dma-mismatch, unexpected-fault, unexpected-success, queue-error, "
        + "driver-timeout");
    Violation v = new Violation(Violation.STALE_MAPPING, 2, null, null, 0x1000, 0x2000, "why");
    assertThat(v.stepText()).isEmpty();
    assertThat(v.device()).isEmpty();
    assertThat(v).hasToString("stale-mapping at step 2 () device - iova 0x1000+0x2000: why");
    Violation moved = v.atStep(5, "unmap");
    assertThat(moved).isEqualTo(new Violation(Violation.STALE_MAPPING, 5, "unmap", "", 0x1000, 0x2000, "why"));
    assertThat(new Violation(Violation.HOST_ERROR, -1, "final", "nic", 0, 0, "x").toString())
        .isEqualTo("host-error at step -1 (final) device nic iova 0x0+0x0: x");
    assertThat(new StaleWindow("nic", 0x1000, 0x1000, 1, -1, 500, -1).nanos()).isEqualTo(-1);
    assertThat(new StaleWindow("nic", 0x1000, 0x1000, 1, 3, 500, 2500).nanos()).isEqualTo(2000);
    assertThat(new StaleWindow("nic", 0x1000, 0x1000, 0, 0, 0, 0).nanos()).isZero(); // closed at time 0
  }
}
