package io.vtdsim.harness.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.driver.Direction;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.testbed.TestBed;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guest driver's scalable mode (linux-6.12 on qemu-11.1-sm-fsts: sm_on by default from 5.15,
 * first-stage domains) on the model: under {@code nested} a DMA-API map needs no invalidation to
 * reach the device (Linux under CM sends none for first-stage domains) and the strict-mode unmap's
 * PASID-based IOTLB invalidation is the one request forwarded; under a shadow strategy the host
 * learns nothing of first-stage mappings, which the oracle reports as missing.
 */
class NestedWithTheDriverMachineTest {
  private static final long GPA = 0x0020_0000L;

  private static TestBed bed(String strategy) {
    return TestBed.builder().machine("qemu-11.1-sm-fsts").shadowSync(strategy).assigned("nic", "00:03.0").build();
  }

  @Test
  void aFirstStageDomainUnderNestedMapsDmasAndUnmapsWithOneForwardedInvalidation() {
    try (TestBed bed = bed("nested")) {
      bed.boot();
      assertThat(bed.check()).isEmpty();
      long iova = bed.dmaMap("nic", GPA, 4096, Direction.BIDIRECTIONAL);
      assertThat(bed.check()).isEmpty();
      assertThat(bed.counters().get(Counters.NESTED_INVALIDATES)).isZero(); // no map-time flush
      assertThat(bed.dma("nic", iova, true, 64, true)).isEmpty();
      bed.dmaUnmap("nic", iova, 4096, Direction.BIDIRECTIONAL);
      assertThat(bed.check()).isEmpty();
      assertThat(bed.dma("nic", iova, false, 64, false)).isEmpty(); // faults, as expected
      assertThat(bed.counters().get(Counters.NESTED_INVALIDATES)).isEqualTo(1);
      assertThat(bed.counters().get(Counters.WALK_ENTRIES)).isZero();
    }
  }

  @Test
  void aFirstStageDomainUnderIovaTreeIsMissingInTheHost() {
    try (TestBed bed = bed("iova-tree")) {
      bed.boot();
      long iova = bed.dmaMap("nic", GPA, 4096, Direction.BIDIRECTIONAL);
      List<Violation> vs = bed.check();
      assertThat(vs).extracting(Violation::kind).containsExactly(Violation.Kind.MISSING_MAPPING);
      assertThat(vs.get(0).iova()).isEqualTo(iova);
      assertThat(bed.host("nic").mappings()).isEmpty();
    }
  }
}
