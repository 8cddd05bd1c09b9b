package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.SourceId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fault-event handler reads and clears fault records (dmar_fault, drivers/iommu/intel/dmar.c). */
class FaultHandlerTest {
  @Test
  void faultRecordsAreReportedAndCleared() {
    Rig rig = new Rig("linux-6.1");
    rig.driver.boot(List.of());
    rig.resetRecording();
    SourceId dev = SourceId.parse("00:03.0");
    rig.unit.injectFault(0, new FaultRecord(0xffffe000L, dev.sid(), FaultReason.WRITE_DENIED.code(), false, true));
    rig.driver.onInterrupt(DriverConfig.DEFAULT_FAULT_MSI_ADDRESS, DriverConfig.DEFAULT_FAULT_MSI_DATA);
    List<Event> faults = rig.events(IntelIommuDriver.EV_FAULT);
    assertThat(faults).singleElement().satisfies(e -> {
      assertThat(e.attrs()).containsEntry("sid", dev.sid()).containsEntry("addr", 0xffffe000L)
          .containsEntry("reason", FaultReason.WRITE_DENIED.code()).containsEntry("read", false);
    });
    assertThat(rig.unit.faultRecordPending(0)).isFalse();
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
