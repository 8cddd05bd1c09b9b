package io.vtdsim.harness.oracle;

import static io.vtdsim.harness.oracle.RunsAndDiffTest.mr;
import static io.vtdsim.harness.oracle.RunsAndDiffTest.runs;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The two run operations the nested check is built from: a stage-1 reading composed with a stage 2
 * ({@link Runs#through}) and the host IOTLB's cached translations laid over the walk
 * ({@link Runs#overlaidBy}). Expected runs are worked out by hand.
 */
class NestedRunsTest {
  private static final int RW = RunsAndDiffTest.RW;
  private static final int R = RunsAndDiffTest.R;

  /** A stage 2 planted by hand. */
  private static HostView stage2(MappedRange... ms) {
    List<MappedRange> l = List.of(ms);
    return new HostView() {
      @Override
      public List<MappedRange> mappings() {
        return l;
      }

      @Override
      public Optional<MappedRange> lookup(long iova) {
        return l.stream().filter(m -> m.iova() <= iova && iova < m.end()).findFirst();
      }
    };
  }

  @Test
  void stageOneThroughStageTwoTakesItsOutputAndBothPermissionsAndDropsWhatStageTwoLacks() {
    // stage 1: [0x1000, +0x3000) → 0x10000 rw; stage 2: 0x10000+0x1000 → 0x90000 r, 0x12000+0x1000 → 0x12000 rw
    Runs s1 = runs(0x1000, 0x3000, 0x10000, RW);
    Runs out = s1.through(stage2(mr(0x10000, 0x90000, 0x1000, R), mr(0x12000, 0x12000, 0x1000, RW)));
    // 0x1000 → 0x90000 r (stage 2 read-only); 0x2000 → 0x11000 unmapped in stage 2: gone; 0x3000 → 0x12000 rw
    assertThat(out.toList()).containsExactly(mr(0x1000, 0x90000, 0x1000, R), mr(0x3000, 0x12000, 0x1000, RW));
  }

  @Test
  void cachedTranslationsReplaceTheWalkWhereTheyAreAndAddWhereItHasNothing() {
    Runs walk = runs(0x0, 0x4000, 0x100000, RW);
    // a stale entry inside the walk (another target) and one past its end (the guest unmapped it)
    Runs cached = runs(0x1000, 0x1000, 0x500000, R, 0x6000, 0x1000, 0x600000, RW);
    List<MappedRange> got = new ArrayList<>(walk.overlaidBy(cached).toList());
    assertThat(got).containsExactly(mr(0x0, 0x100000, 0x1000, RW), mr(0x1000, 0x500000, 0x1000, R),
        mr(0x2000, 0x102000, 0x2000, RW), mr(0x6000, 0x600000, 0x1000, RW));
    assertThat(walk.overlaidBy(new Runs()).toList()).containsExactly(mr(0x0, 0x100000, 0x4000, RW));
    assertThat(new Runs().overlaidBy(cached).toList()).containsExactly(mr(0x1000, 0x500000, 0x1000, R),
        mr(0x6000, 0x600000, 0x1000, RW));
  }
}
