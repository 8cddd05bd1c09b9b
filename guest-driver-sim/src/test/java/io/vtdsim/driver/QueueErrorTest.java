package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** qi_check_fault IQE recovery and the bounded wait (qi_submit_sync, drivers/iommu/intel/dmar.c). */
class QueueErrorTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  @Test
  void aCorruptDescriptorIsReplacedByTheWaitAndTheQueueKeepsWorking() {
    Rig rig = new Rig("linux-6.1");
    rig.driver.boot(List.of(DEV));
    rig.resetRecording();
    // type 2 with granularity 0: the hardware rejects it (IQE)
    InvalidationDescriptor corrupt = new InvalidationDescriptor.Malformed(0x2, 0, "IOTLB granularity 0");
    assertThatThrownBy(() -> rig.driver.submitRaw(List.of(corrupt)))
        .isInstanceOf(QueueErrorException.class).hasMessageContaining("IQE");
    assertThat(rig.fsts() & FaultStatus.IQE).as("IQE cleared by the driver").isZero();
    assertThat(rig.registerWrites()).contains("FSTS=0x10");
    // the next submission first runs the repaired slot (a copy of the wait), then its own pair
    long iova = rig.driver.mapSingle(DEV, 0x300000, 4096, Direction.TO_DEVICE);
    List<InvalidationDescriptor> last = rig.submissions().get(rig.submissions().size() - 1);
    assertThat(last).hasSize(4);
    assertThat(last.get(0)).isInstanceOf(InvalidationWait.class);
    assertThat(last.get(2)).isEqualTo(IotlbInvalidation.page(2, iova, 0, false, true, true));
  }

  @Test
  void iqeRecoveryWorksIn256BitSlots() {
    // QEMU 11.1 scalable mode: IQA.DW=1, 32-byte slots, IQH/IQT indexes in bits 18:5
    Rig rig = new Rig(DriverConfig.of("linux-6.12"), io.vtdsim.emu.vtd.VtdConfig.preset("qemu-11.1-sm-fsts", 48));
    rig.driver.boot(List.of(DEV));
    rig.resetRecording();
    // a PASID-cache invalidation with the reserved granularity 10b: IQE
    InvalidationDescriptor corrupt = new InvalidationDescriptor.Malformed(0x27, 0, "PASID-cache granularity 2");
    assertThatThrownBy(() -> rig.driver.submitRaw(List.of(corrupt)))
        .isInstanceOf(QueueErrorException.class).hasMessageContaining("IQE");
    assertThat(rig.fsts() & FaultStatus.IQE).as("IQE cleared by the driver").isZero();
    long iova = rig.driver.mapSingle(DEV, 0x300000, 4096, Direction.TO_DEVICE);
    rig.resetRecording();
    rig.driver.unmapSingle(DEV, iova, 4096, Direction.TO_DEVICE);
    // a first-stage map sends nothing under CM: the unmap's submission first runs the repaired slot (a
    // copy of the wait) and the rejected submission's own wait, then its PASID-based PSI and wait
    List<InvalidationDescriptor> last = rig.submissions().get(rig.submissions().size() - 1);
    assertThat(last).hasSize(4);
    assertThat(last.subList(0, 2)).allMatch(d -> d instanceof InvalidationWait);
    assertThat(last.get(2)).isEqualTo(io.vtdsim.emu.spec.PasidIotlbInvalidation.page(2, 0, iova, 0, true));
  }

  @Test
  void hardwareThatNeverCompletesEndsInATimeout() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1").withWaitBound(1000));
    rig.driver.boot(List.of(DEV));
    rig.stall(true);
    assertThatThrownBy(() -> rig.driver.mapSingle(DEV, 0x300000, 4096, Direction.TO_DEVICE))
        .isInstanceOf(DriverTimeoutException.class).hasMessageContaining("1000 polls");
  }

  @Test
  void aStuckHandshakeEndsInATimeout() {
    Rig rig = new Rig(DriverConfig.of("linux-6.1").withWaitBound(50));
    rig.stall(true); // QIES still follows GCMD, but the queue never runs
    assertThatThrownBy(() -> rig.driver.boot(List.of(DEV))).isInstanceOf(DriverTimeoutException.class);
  }
}
