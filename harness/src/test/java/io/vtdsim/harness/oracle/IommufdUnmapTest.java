package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.testbed.TestBed;
import org.junit.jupiter.api.Test;

/**
 * iommufd answers ENOENT to an unmap that covers nothing (kernel iommufd semantics); QEMU's iommufd
 * backend treats that as success, since a vIOMMU unmaps whole notifier ranges in chunks when a
 * context entry goes away. The harness counts those calls but does not call them violations; an
 * EEXIST stays one.
 */
class IommufdUnmapTest {
  @Test
  void redundantUnmapsOfADomainSwitchAreCountedButNotViolations() {
    try (TestBed bed = TestBed.builder().host("iommufd").assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1"); // leaves the boot default domain: its context is cleared first
      assertThat(bed.check()).isEmpty();
      assertThat(bed.counters().get("host-errors")).as("ENOENT answers").isPositive();
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      bed.unmap("d1", 0x100000, 0x1000);
      assertThat(bed.check()).isEmpty();
    }
  }

  @Test
  void duplicateMapsStillAreHostErrorsUnderIommufd() {
    try (TestBed bed = TestBed.builder().host("iommufd").shadowSync("unmap-all-replay").flush("duplicate-psi")
        .assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.check();
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      assertThat(bed.check()).extracting(Violation::kind).contains(Violation.HOST_ERROR);
    }
  }
}
