package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.driver.DriverTimeoutException;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdUnit;
import org.junit.jupiter.api.Test;

/**
 * A guest kills QEMU 7.2 with a wait descriptor that has SW and IF set (the assertion in
 * vtd_process_wait_desc, hw/i386/intel_iommu.c): under fidelity qemu the unit stops, and what the
 * run then sees is the driver's next invalidation never completing: the driver's bounded poll ends it,
 * nothing hangs.
 */
class EmulatorAbortTest {
  @Test
  void aSwIfWaitStopsQemu72AndTheNextFlushTimesOut() {
    try (TestBed bed = TestBed.builder().machine("qemu-7.2").fidelity("qemu").assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      long base = bed.unit().config().mmioBase();
      long iqa = bed.bus().read64(base + Registers.IQA);
      int tail = InvalidationQueueRegisters.registerToIndex(bed.bus().read64(base + Registers.IQT), false);
      long slot = InvalidationQueueRegisters.base(iqa) + tail * 16L;
      bed.memory().write64(slot, 0x5 | 1 << 4 | 1 << 5 | 1L << 32); // wait: IF, SW, data 1
      bed.memory().write64(slot + 8, bed.tablePoolBase());
      bed.bus().write64(base + Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail + 1, false));

      assertThat(bed.log().eventsOfKind(VtdUnit.EV_EMULATOR_ABORT)).hasSize(1);
      // the map's PSI and wait go to a dead unit: the driver gives up after its poll bound (a scenario
      // run reports that as driver-timeout)
      assertThatThrownBy(() -> bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true))
          .isInstanceOf(DriverTimeoutException.class);
      assertThat(bed.unit().abortReason()).contains("vtd_process_wait_desc");
    }
  }
}
