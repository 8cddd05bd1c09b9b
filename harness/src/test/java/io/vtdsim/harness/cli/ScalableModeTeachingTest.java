package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What {@code explain} and {@code matrix} say about scalable mode and nesting, on the real harness and
 * the four scalable-mode built-ins.
 */
class ScalableModeTeachingTest {
  private static String step(String text, int i) {
    int from = text.indexOf("Step " + i + ":");
    int to = text.indexOf("Step " + (i + 1) + ":");
    return text.substring(from, to < 0 ? text.length() : to);
  }

  @Test
  void aShadowCannotSeeAFirstStageMapAndExplainSaysWhy() {
    String text = ExplainTeachingTest.run("explain", "--builtin", "first-stage-shadowed", "--steps", "2..2");
    assertThat(text).contains("machine: qemu-11.1, aw-bits 48, RAM 1GiB, scalable mode, first-stage; shadow iova-tree");
    // Linux: no invalidation after a first-stage map, even under CM; so the shadow is never told
    assertThat(step(text, 2)).contains(
        "    driver  flush none: first-stage domain: no invalidation after non-present→present, even under CM (as Linux)\n"
            + "    why     unseen by iova-tree: a shadow learns of maps only from invalidations,")
        .contains("oracle: VIOLATION missing-mapping nic iova 0x100000 size 4KiB");
  }

  @Test
  void nestingNeedsNoMapFlushAndForwardsTheUnmapsInvalidation() {
    String text = ExplainTeachingTest.run("explain", "--builtin", "first-stage-nested", "--steps", "2..5");
    assertThat(step(text, 2)).contains("    why     nested: no invalidation needed — the device translates through the"
        + " guest's first-stage table itself").contains("oracle: ok");
    String unmap = step(text, 4);
    // the PSI of the 4 KiB unmap (AM 0) is forwarded as one request of one page
    assertThat(unmap).contains("QI[16] piotlb-psi: PASID-IOTLB PSI DID=2 PASID=0 ADDR=0x100000 AM=0 IH")
        .contains("nested invalidate nic addr 0x100000 npages 1")
        .contains("    why     forwarded: nesting passes the guest's PASID-based invalidation to the host as one request");
    assertThat(step(text, 5)).contains("FAULT").contains("oracle: ok");
  }

  @Test
  void aSkippedPageLeavesTheHostIotlbStaleAndExplainSaysWhy() {
    String text = ExplainTeachingTest.run("explain", "--builtin", "nested-skipped-flush", "--steps", "5..6");
    String unmap = step(text, 5);
    // Linux 6.1: 2 pages at pfn 0x17f, AM 1, ADDR aligned down to 0x17e000: 0x180000 is left out
    assertThat(unmap).contains("PASID-IOTLB PSI DID=2 PASID=0 ADDR=0x17e000 AM=1")
        .contains("oracle: VIOLATION stale-mapping nic iova 0x180000 size 4KiB")
        .contains("  why: the host IOTLB still holds the translation: under nesting the host never walks the guest's"
            + " table again, and no forwarded invalidation covered the page the guest unmapped\n");
    assertThat(step(text, 6)).contains("oracle: VIOLATION unexpected-success nic iova 0x180000");
  }

  @Test
  void theMatrixShowsTheCostsOfNestingWhenANestedRunIsThere() {
    String text = ExplainTeachingTest.run("matrix", "--scenarios", "first-stage-nested,second-stage-scalable",
        "--strategies", "iova-tree,nested");
    String[] lines = text.split("\n");
    assertThat(lines[0]).endsWith("host-map  host-unmap  host-err  walk  binds  fwd");
    // first-stage-nested under nesting: no walk, the table bound (attach and re-attach) and the unmap's
    // PSI forwarded; under iova-tree the map was never seen
    assertThat(text).containsPattern("first-stage-nested +nested +linux-6\\.12 +linux +ok +yes( +\\d+){9} +0 +4 +2\n")
        .containsPattern("second-stage-scalable +iova-tree +linux-6\\.12 +linux +ok +yes( +\\d+){9} +[1-9]\\d* +0 +0\n");
    String plain = ExplainTeachingTest.run("matrix", "--scenarios", "second-stage-scalable", "--strategies", "iova-tree");
    assertThat(plain.split("\n")[0]).endsWith("host-err  walk");
  }
}
