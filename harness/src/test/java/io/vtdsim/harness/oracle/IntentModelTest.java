package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The intent is "what was mapped minus what was unmapped", byte for byte: an unmap that cuts a run
 * keeps the parts outside it with their targets shifted by the offset into the run (an IOVA keeps
 * its own GPA), and a map over existing runs replaces exactly the bytes it covers. Runs with
 * contiguous IOVAs, contiguous targets and equal permissions are one run (translate() shows the run).
 * Every expected value below is worked out by hand.
 */
class IntentModelTest {
  static MappedRange rw(long iova, long gpa, long size) {
    return new MappedRange(iova, gpa, size, true, true);
  }

  IntentModel m;

  @BeforeEach
  void setUp() {
    m = new IntentModel();
    m.attach("nic", "d1");
  }

  @Test
  void anUnmapInTheMiddleOfARunKeepsBothEndsWithTheirOwnTargets() {
    m.map("d1", 0x10000, 0x80000, 0x10000, true, true);
    m.unmap("d1", 0x14000, 0x2000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x4000), rw(0x16000, 0x86000, 0xA000));
    assertThat(m.translate("nic", 0x13FFF)).contains(rw(0x10000, 0x80000, 0x4000));
    assertThat(m.translate("nic", 0x14000)).isEmpty();
    assertThat(m.translate("nic", 0x15FFF)).isEmpty();
    assertThat(m.translate("nic", 0x16000)).contains(rw(0x16000, 0x86000, 0xA000));
  }

  @Test
  void anUnmapOverlappingTheStartOfARunKeepsItsTail() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.unmap("d1", 0xE000, 0x4000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x12000, 0x82000, 0x2000));
  }

  @Test
  void anUnmapStartingExactlyAtARunsStartKeepsItsTail() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.map("d1", 0x14000, 0x90000, 0x1000, true, true); // adjacent, another target
    m.unmap("d1", 0x10000, 0x1000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x11000, 0x81000, 0x3000), rw(0x14000, 0x90000, 0x1000));
    // and one ending exactly where the adjacent run starts leaves that run alone
    m.unmap("d1", 0x11000, 0x3000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x14000, 0x90000, 0x1000));
  }

  @Test
  void anUnmapOverlappingTheEndOfARunKeepsItsHead() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.unmap("d1", 0x12000, 0x4000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x2000));
    assertThat(m.translate("nic", 0x12000)).isEmpty();
  }

  @Test
  void anUnmapEndingExactlyAtARunsEndLeavesNothingBehindIt() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.map("d1", 0x20000, 0x90000, 0x1000, true, false);
    m.unmap("d1", 0x12000, 0x2000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x2000),
        new MappedRange(0x20000, 0x90000, 0x1000, true, false));
    // a run that starts inside the unmap and ends exactly at its end goes entirely
    m.unmap("d1", 0x1F000, 0x2000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x2000));
  }

  @Test
  void anUnmapAcrossSeveralRunsCutsTheFirstAndTheLastAndDropsThoseBetween() {
    m.map("d1", 0x10000, 0x80000, 0x2000, true, false);
    m.map("d1", 0x12000, 0x90000, 0x2000, true, true);
    m.map("d1", 0x14000, 0xA0000, 0x2000, false, true);
    m.unmap("d1", 0x11000, 0x4000);
    assertThat(m.mappings("d1")).containsExactly(new MappedRange(0x10000, 0x80000, 0x1000, true, false),
        new MappedRange(0x15000, 0xA1000, 0x1000, false, true));
  }

  @Test
  void anUnmapOfNothingOrOfAnUnknownDomainChangesNothing() {
    m.map("d1", 0x10000, 0x80000, 0x2000, true, true);
    m.unmap("d1", 0x40000, 0x1000);
    m.unmap("d1", 0x12000, 0x1000); // just past the run
    m.unmap("d1", 0xF000, 0x1000); // just before it
    m.unmap("d1", 0x11000, 0); // empty
    m.unmap("nosuch", 0x10000, 0x2000);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x2000));
    assertThat(m.mappings("nosuch")).isEmpty();
  }

  @Test
  void aMapOverPartOfARunReplacesOnlyTheBytesItCovers() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.map("d1", 0x12000, 0xC0000, 0x4000, true, false);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x2000),
        new MappedRange(0x12000, 0xC0000, 0x4000, true, false));
    m.map("d1", 0x11000, 0xD0000, 0x2000, true, true); // inside both
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x1000), rw(0x11000, 0xD0000, 0x2000),
        new MappedRange(0x13000, 0xC1000, 0x3000, true, false));
  }

  @Test
  void aMapInsideARunWithAnotherTargetSplitsItInThree() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.map("d1", 0x11000, 0xF0000, 0x1000, true, true);
    assertThat(m.mappings("d1")).containsExactly(rw(0x10000, 0x80000, 0x1000), rw(0x11000, 0xF0000, 0x1000),
        rw(0x12000, 0x82000, 0x2000));
    assertThat(m.translate("nic", 0x12000)).contains(rw(0x12000, 0x82000, 0x2000));
  }

  @Test
  void contiguousMapsWithContiguousTargetsAndEqualPermissionsAreOneRun() {
    m.map("d1", 0x10000, 0x80000, 0x1000, true, true);
    m.map("d1", 0x12000, 0x82000, 0x1000, true, true);
    m.map("d1", 0x11000, 0x81000, 0x1000, true, true); // joins the run before and the run after
    assertThat(m.translate("nic", 0x10000)).contains(rw(0x10000, 0x80000, 0x3000));
    assertThat(m.translate("nic", 0x12FFF)).contains(rw(0x10000, 0x80000, 0x3000));
    // remapping a piece of it to the same place changes nothing
    m.map("d1", 0x11000, 0x81000, 0x1000, true, true);
    assertThat(m.translate("nic", 0x11000)).contains(rw(0x10000, 0x80000, 0x3000));
  }

  @Test
  void runsWithOtherTargetsOrPermissionsStaySeparate() {
    m.map("d1", 0x10000, 0x80000, 0x1000, true, true);
    m.map("d1", 0x11000, 0x90000, 0x1000, true, true); // target not contiguous
    m.map("d1", 0x12000, 0x91000, 0x1000, true, false); // permission differs
    m.map("d1", 0x0F000, 0x7F000, 0x1000, false, true); // before, permission differs
    assertThat(m.translate("nic", 0x10000)).contains(rw(0x10000, 0x80000, 0x1000));
    assertThat(m.translate("nic", 0x11000)).contains(rw(0x11000, 0x90000, 0x1000));
    assertThat(m.translate("nic", 0x12000)).contains(new MappedRange(0x12000, 0x91000, 0x1000, true, false));
    assertThat(m.translate("nic", 0x0F000)).contains(new MappedRange(0x0F000, 0x7F000, 0x1000, false, true));
    // IOVA-contiguous after, target contiguous, same permission, but a gap in IOVA: separate
    m.map("d1", 0x14000, 0x81000, 0x1000, true, true);
    assertThat(m.translate("nic", 0x14000)).contains(rw(0x14000, 0x81000, 0x1000));
  }

  @Test
  void aMapOfNothingIsRefused() {
    assertThatThrownBy(() -> m.map("d1", 0x10000, 0x80000, 0, true, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> m.map("d1", 0x10000, 0x80000, -0x1000, true, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void translateFollowsTheAttachment() {
    m.map("d1", 0x10000, 0x80000, 0x2000, true, true);
    m.map("d2", 0x10000, 0x90000, 0x2000, true, true);
    assertThat(m.translate("nic", 0x11FFF)).contains(rw(0x10000, 0x80000, 0x2000));
    assertThat(m.translate("nic", 0x12000)).isEmpty();
    assertThat(m.translate("nic", 0xFFFF)).isEmpty();
    assertThat(m.translate("gpu", 0x10000)).isEmpty();
    assertThat(m.domainOf("nic")).isEqualTo("d1");
    m.attach("nic", "d2");
    assertThat(m.translate("nic", 0x10000)).contains(rw(0x10000, 0x90000, 0x2000));
    m.detach("nic");
    assertThat(m.domainOf("nic")).isNull();
    assertThat(m.translate("nic", 0x10000)).isEmpty();
    assertThat(m.mappings("d2")).containsExactly(rw(0x10000, 0x90000, 0x2000));
  }

  @Test
  void expectedIsTheIntentClippedToTheRange() {
    m.map("d1", 0x10000, 0x80000, 0x4000, true, true);
    m.map("d1", 0x20000, 0x90000, 0x1000, false, true);
    m.map("d1", 0x30000, 0xA0000, 0x1000, true, true);
    assertThat(m.expected("nic", 0x12000, 0x20800).toList()).containsExactly(rw(0x12000, 0x82000, 0x2000),
        new MappedRange(0x20000, 0x90000, 0x800, false, true));
    // a range that starts exactly where a run ends and ends where the next starts holds nothing
    assertThat(m.expected("nic", 0x14000, 0x20000).toList()).isEmpty();
    assertThat(m.expected("nic", 0x30000, 0x30001).toList()).containsExactly(rw(0x30000, 0xA0000, 1));
    assertThat(m.expected("nic", 0, Long.MAX_VALUE).bytes()).isEqualTo(0x6000);
    assertThat(m.expected("gpu", 0, Long.MAX_VALUE).toList()).isEmpty();
    m.detach("nic");
    assertThat(m.expected("nic", 0, Long.MAX_VALUE).toList()).isEmpty();
  }

  @Test
  void aDomainAttachedButNeverMappedIsEmpty() {
    m.attach("gpu", "d9");
    assertThat(m.expected("gpu", 0, Long.MAX_VALUE).toList()).isEmpty();
    assertThat(m.mappings("d9")).isEqualTo(List.of());
  }
}
