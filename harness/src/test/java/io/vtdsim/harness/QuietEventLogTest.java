package io.vtdsim.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.IntelIommuDriver;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.shadow.ShadowSync;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.harness.testbed.TestBed;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A DMA-API map + unmap under caching mode, driver to host, with an event log that retains nothing
 * and has no subscriber: the work is done (the host maps, then unmaps) and not one event is emitted.
 * With a subscriber the same pair reports each act.
 */
class QuietEventLogTest {
  private static final SourceId NIC = SourceId.parse("00:03.0");

  private record Rig(EventLog log, IntelIommuDriver driver, HostContainer host) {}

  private static Rig rig() {
    Clock clock = new Clock();
    EventLog log = new EventLog(clock, 0);
    GuestMemory memory = GuestMemory.q35(256L << 20);
    MmioBus bus = new MmioBus(log);
    VtdConfig config = VtdConfig.preset("qemu-7.2", 48).withQueueProcessing(VtdConfig.QueueProcessing.INLINE);
    VtdUnit unit = new VtdUnit(config, memory, log, (a, d) -> {});
    bus.map(config.mmioBase(), unit);
    CachingModeShadow shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named("iova-tree"));
    HostContainer host = new HostContainer("nic", HostSemantics.parse("vfio-type1"), memory, log);
    shadow.attach(NIC, host);
    RamRegion pool = TestBed.tablePool(memory);
    IntelIommuDriver driver = new IntelIommuDriver(bus, memory, clock, log, DriverConfig.of(DriverPreset.parse("linux-6.12"))
        .withMmioBase(config.mmioBase()).withTablePool(pool.base(), pool.size()));
    driver.boot(List.of(NIC));
    return new Rig(log, driver, host);
  }

  @Test
  void nobodyListeningMeansNoEventAndTheWorkStillDone() {
    Rig r = rig();
    long before = r.log().lastSeq();
    long iova = r.driver().mapSingle(NIC, 0x200000, 4096, Direction.BIDIRECTIONAL);
    assertThat(r.host().mappingCount()).isEqualTo(1);
    r.driver().unmapSingle(NIC, iova, 4096, Direction.BIDIRECTIONAL);
    assertThat(r.host().mappingCount()).isZero();
    assertThat(r.log().lastSeq()).isEqualTo(before);
  }

  @Test
  void aSubscriberSeesThePairActByAct() {
    Rig r = rig();
    List<Event> seen = new ArrayList<>();
    r.log().subscribe(seen::add);
    long iova = r.driver().mapSingle(NIC, 0x200000, 4096, Direction.BIDIRECTIONAL);
    r.driver().unmapSingle(NIC, iova, 4096, Direction.BIDIRECTIONAL);
    assertThat(seen).filteredOn(e -> e.type() == EventKind.DRIVER_CALL).extracting(Event::detail)
        .containsExactly("map-single dev=00:03.0 gpa=0x200000 size=0x1000 dir=BIDIRECTIONAL",
            "unmap-single dev=00:03.0 iova=0x" + Long.toHexString(iova) + " size=0x1000 dir=BIDIRECTIONAL");
    assertThat(seen).filteredOn(e -> e.type() == EventKind.HOST_MAP).hasSize(1);
    assertThat(seen).filteredOn(e -> e.type() == EventKind.HOST_UNMAP).hasSize(1);
    // one PSI and one wait descriptor per call (Linux's qi_flush_iotlb + qi_submit_sync)
    assertThat(seen).filteredOn(e -> e.type() == EventKind.DESCRIPTOR).extracting(e -> e.attrs().get("desc"))
        .containsExactly("iotlb-psi", "wait", "iotlb-psi", "wait");
  }
}
