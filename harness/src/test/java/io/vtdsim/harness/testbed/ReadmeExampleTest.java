package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.oracle.Violation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's example test, verbatim: a DSI-flushed map is never shadowed by psi-only. */
@ExtendWith(VtdsimExtension.class)
class ReadmeExampleTest {
  @Test
  @Machine(shadowSync = "psi-only", mamv = 4, assigned = "nic=00:03.0")
  void psiOnlyMissesADsiFlushedMap(TestBed bed) {
    bed.boot();
    bed.attach("nic", "d1");
    bed.map("d1", 0x100000, 0x2000000, 0x8000, true, true);   // 8 pages: AM 3, a PSI
    bed.unmap("d1", 0x100000, 0x8000);
    bed.map("d1", 0x200000, 0x3000000, 0x40000, true, true);  // 64 pages: AM 6 > MAMV 4, a DSI
    assertThat(bed.check()).extracting(Violation::kind).contains(Violation.Kind.MISSING_MAPPING);
  }

  @Test
  @Machine(shadowSync = "iova-tree", mamv = 4, assigned = "nic=00:03.0")
  void iovaTreeShadowsIt(TestBed bed) {
    bed.boot();
    bed.attach("nic", "d1");
    bed.map("d1", 0x200000, 0x3000000, 0x40000, true, true);
    assertThat(bed.check()).isEmpty();
  }
}
