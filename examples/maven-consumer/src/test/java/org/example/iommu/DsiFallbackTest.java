package org.example.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import io.vtdsim.harness.testbed.Machine;
import io.vtdsim.harness.testbed.TestBed;
import io.vtdsim.harness.testbed.VtdsimExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's example, as a project that depends on vtdsim writes it. */
@ExtendWith(VtdsimExtension.class)
class DsiFallbackTest {
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
  void aBuiltinScenarioUnderAnotherStrategy() {
    ScenarioResult r = new ScenarioRunner().run(
        Overrides.apply(BuiltinScenarios.load("psi-to-dsi-fallback"), List.of("machine.shadow-sync=iova-tree")));
    assertThat(r.met()).isTrue();
    assertThat(r.violations()).isEmpty();
  }
}
