package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fault-event handler reads and clears fault records (dmar_fault, drivers/iommu/intel/dmar.c). */
class FaultHandlerTest {
  @Test
  void faultRecordsAreReportedAndCleared() {
    Rig rig = new Rig("linux-6.1");
    SourceId dev = SourceId.parse("00:03.0");
    rig.driver.boot(List.of(dev));
    // a read-only mapping, and the device writes to it: the unit records a write-denied fault (0x5)
    long iova = rig.driver.mapSingle(dev, 0x300000, 4096, Direction.TO_DEVICE);
    rig.resetRecording();
    assertThat(rig.unit.translate(dev.sid(), iova, true).fault()).isEqualTo(FaultReason.WRITE_DENIED);
    assertThat(rig.faultRecordPending(0)).isTrue();
    rig.driver.onInterrupt(DriverConfig.DEFAULT_FAULT_MSI_ADDRESS, DriverConfig.DEFAULT_FAULT_MSI_DATA);
    List<Event> faults = rig.events(IntelIommuDriver.EV_FAULT);
    assertThat(faults).singleElement().satisfies(e -> {
      assertThat(e.attrs()).containsEntry("sid", dev.sid()).containsEntry("addr", iova)
          .containsEntry("reason", FaultReason.WRITE_DENIED.code()).containsEntry("read", false);
    });
    assertThat(rig.faultRecordPending(0)).isFalse();
    assertThat(rig.registerWrites()).contains("FRCD0+12=0x80000000", "FSTS=0x83");
  }

  @Test
  void noPendingFaultMeansNoWrite() {
    Rig rig = new Rig("linux-6.1");
    rig.driver.boot(List.of());
    int before = rig.registerWrites().size();
    rig.driver.onInterrupt(0xfee00000L, 0);
    assertThat(rig.registerWrites()).hasSize(before);
    assertThat(rig.log.eventsOfKind(IntelIommuDriver.EV_FAULT)).isEmpty();
  }
}
