package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Touched ranges merge with what they overlap or adjoin, and stay apart otherwise. */
class TouchedRangesTest {
  private static List<String> of(TouchedRanges t) {
    return t.ranges().stream().map(r -> Long.toHexString(r[0]) + "-" + Long.toHexString(r[1])).toList();
  }

  @Test
  void disjointRangesStaySortedAndApart() {
    TouchedRanges t = new TouchedRanges();
    t.add(0x5000, 0x6000);
    t.add(0x1000, 0x2000);
    t.add(0x3000, 0x4000);
    assertThat(of(t)).containsExactly("1000-2000", "3000-4000", "5000-6000");
    assertThat(t.bytes()).isEqualTo(0x3000);
  }

  @Test
  void aRangeSwallowsTheRangesItOverlapsOrAdjoins() {
    TouchedRanges t = new TouchedRanges();
    t.add(0x1000, 0x2000);
    t.add(0x3000, 0x4000);
    t.add(0x5000, 0x6000);
    t.add(0x9000, 0xa000);
    t.add(0x2000, 0x5000); // adjoins the first and the third, covers the second
    assertThat(of(t)).containsExactly("1000-6000", "9000-a000");
    assertThat(t.bytes()).isEqualTo(0x6000);
    t.add(0x1000, 0x2000); // again: nothing changes
    t.add(0x8000, 0x9800);
    assertThat(of(t)).containsExactly("1000-6000", "8000-a000");
    assertThat(t.bytes()).isEqualTo(0x7000);
  }

  @Test
  void growsPastItsFirstArraysAndClears() {
    TouchedRanges t = new TouchedRanges();
    for (int i = 20; i > 0; i--) t.add(i * 0x2000L, i * 0x2000L + 0x1000);
    assertThat(t.ranges()).hasSize(20);
    assertThat(of(t).get(0)).isEqualTo("2000-3000");
    assertThat(of(t).get(19)).isEqualTo("28000-29000");
    t.clear();
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.bytes()).isZero();
  }
}
