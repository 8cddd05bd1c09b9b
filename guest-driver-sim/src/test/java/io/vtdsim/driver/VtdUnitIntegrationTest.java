package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.TranslationResult;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The driver against the real emulated unit (VtdUnit, qemu-7.2 with CM): boot, attach, map, a device's
 * DMA translates to the right guest page, unmap, and the DMA then faults — every preset, aw 39/48/57.
 */
class VtdUnitIntegrationTest {
  static final SourceId DEV = SourceId.parse("00:03.0");

  static Stream<Arguments> presetsAndWidths() {
    List<Arguments> out = new ArrayList<>();
    for (DriverPreset p : DriverPreset.values()) {
      for (int aw : new int[] {39, 48, 57}) out.add(Arguments.of(p, aw));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} aw{1}")
  @MethodSource("presetsAndWidths")
  void mapTranslateUnmapFault(DriverPreset preset, int aw) throws Exception {
    Clock clock = new Clock();
    EventLog log = new EventLog(clock);
    GuestMemory memory = GuestMemory.flat(256L << 20);
    MmioBus bus = new MmioBus(log);
    List<long[]> msis = new ArrayList<>();
    VtdConfig config = VtdConfig.preset("qemu-7.2", aw);
    try (VtdUnit unit = new VtdUnit(config, memory, log, (a, d) -> msis.add(new long[] {a, d}))) {
      bus.map(config.mmioBase(), unit);
      IntelIommuDriver driver = new IntelIommuDriver(bus, memory, clock, log,
          DriverConfig.of(preset).withMmioBase(config.mmioBase()));
      driver.boot(List.of(DEV));
      assertThat(unit.translationEnabled()).isTrue();
      assertThat(unit.rootTableAddress()).isEqualTo(driver.rootTableAddress());

      long gpa = 0x234_5678L;
      long iova = driver.mapSingle(DEV, gpa, 0x100, Direction.BIDIRECTIONAL);
      TranslationResult r = unit.translate(DEV.sid(), iova, true);
      assertThat(r.ok()).as("translation of 0x%x: %s", iova, r).isTrue();
      assertThat(r.address()).isEqualTo(gpa);
      assertThat(r.did()).isEqualTo(driver.domainId(driver.domainOf(DEV).orElseThrow()));
      // a device write through the translation lands in the guest page
      memory.write(r.address(), new byte[] {0x5a});
      assertThat(memory.read8(gpa)).isEqualTo((byte) 0x5a);

      long ro = driver.mapSingle(DEV, 0x300_0000L, 4096, Direction.TO_DEVICE);
      assertThat(unit.translate(DEV.sid(), ro, false).ok()).isTrue();
      assertThat(unit.translate(DEV.sid(), ro, true).ok()).as("TO_DEVICE is read-only").isFalse();

      driver.unmapSingle(DEV, iova, 0x100, Direction.BIDIRECTIONAL);
      if (driver.config().dmaMode() == DmaMode.LAZY) clock.advance(20_000_000L);
      TranslationResult after = unit.translate(DEV.sid(), iova, true);
      assertThat(after.ok()).as("DMA after unmap must fault").isFalse();
      assertThat(log.eventsOfKind("vtd.fault")).isNotEmpty();
      // the unit signalled the fault event with the MSI the driver programmed; the handler reads the first
      // record (the write to the read-only page; one fault record as QEMU, the later fault overflowed)
      assertThat(msis).isNotEmpty();
      assertThat(msis.get(0)).containsExactly(DriverConfig.DEFAULT_FAULT_MSI_ADDRESS, DriverConfig.DEFAULT_FAULT_MSI_DATA);
      driver.onInterrupt(msis.get(0)[0], (int) msis.get(0)[1]);
      assertThat(log.eventsOfKind(IntelIommuDriver.EV_FAULT)).last()
          .satisfies(e -> assertThat(e.attrs()).containsEntry("sid", DEV.sid()).containsEntry("addr", ro)
              .containsEntry("reason", FaultReason.WRITE_DENIED.code()));

      driver.attach(DEV, "vfio");
      driver.map("vfio", 0x4000_0000L, 0x40_0000L, 0x20_0000L, true, true);
      TranslationResult big = unit.translate(DEV.sid(), 0x4012_3000L, false);
      assertThat(big.ok()).isTrue();
      assertThat(big.address()).isEqualTo(0x52_3000L);
      driver.unmap("vfio", 0x4000_0000L, 0x20_0000L);
      assertThat(unit.translate(DEV.sid(), 0x4012_3000L, false).ok()).isFalse();
    }
  }
}
