package io.vtdsim.emu.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.TranslationResult;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DMA through the host container (assigned) and through the unit's translate path (emulated). */
class DmaDeviceTest {
  static final SourceId SID = new SourceId(0, 3, 0);
  final EventLog log = new EventLog(new Clock());
  final GuestMemory mem = GuestMemory.q35(4L << 30);
  final HostContainer container = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
  final AssignedDevice nic = new AssignedDevice("nic", SID, container, mem, log);

  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + 1);
    return b;
  }

  @Test
  void assignedWriteCrossingPagesLandsAtEachPagesGuestPhysicalBytes() {
    container.map(0x1_0000, 0x4000_0000, 4096, true, true);
    container.map(0x1_1000, 0x5000_0000, 4096, true, true); // next IOVA page, unrelated GPA
    byte[] data = pattern(0x100);
    DmaResult r = nic.write(0x1_0F80, data);
    assertThat(r.ok()).isTrue();
    assertThat(mem.read(0x4000_0F80L, 0x80)).containsExactly(java.util.Arrays.copyOfRange(data, 0, 0x80));
    assertThat(mem.read(0x5000_0000L, 0x80)).containsExactly(java.util.Arrays.copyOfRange(data, 0x80, 0x100));
    DmaResult back = nic.read(0x1_0F80, 0x100);
    assertThat(back.ok()).isTrue();
    assertThat(back.data()).containsExactly(data);
    assertThat(log.eventsOfKind(DmaDevice.OK)).hasSize(2);
  }

  @Test
  void assignedFaultOnAnyPageMovesNoDataAtAll() {
    container.map(0x1_0000, 0x4000_0000, 4096, true, true);
    DmaResult r = nic.write(0x1_0F80, pattern(0x100)); // second page 0x1_1000 is not mapped
    assertThat(r.ok()).isFalse();
    assertThat(r.faultIova()).isEqualTo(0x1_1000);
    assertThat(mem.read(0x4000_0F80L, 0x80)).containsOnly(0);
    assertThat(log.eventsOfKind(DmaDevice.FAULT)).singleElement().satisfies(e -> assertThat(e.attrs())
        .containsEntry("device", "nic").containsEntry("op", "write").containsEntry("iova", 0x1_1000L));
  }

  @Test
  void assignedWriteWithoutWritePermissionFaults() {
    container.map(0x1_0000, 0x4000_0000, 4096, true, false);
    assertThat(nic.write(0x1_0000, pattern(8)).ok()).isFalse();
    assertThat(mem.read(0x4000_0000L, 8)).containsOnly(0);
    mem.write(0x4000_0000L, pattern(8));
    assertThat(nic.read(0x1_0000, 8).data()).containsExactly(pattern(8));
  }

  @Test
  void emulatedDmaUsesTheUnitsTranslationPerPage() {
    VtdUnit unit = mock(VtdUnit.class);
    List<Long> asked = new ArrayList<>();
    when(unit.translate(anyInt(), anyLong(), anyBoolean())).thenAnswer(inv -> {
      long iova = inv.getArgument(1);
      asked.add(iova);
      long page = iova & ~0xFFFL;
      long base = page == 0x1_0000 ? 0x4000_0000L : 0x5000_0000L;
      return new TranslationResult(iova, base + (iova & 0xFFF), 4096, true, true, 1, null, false, false);
    });
    EmulatedDevice dev = new EmulatedDevice("disk", SID, unit, mem, log);
    byte[] data = pattern(0x100);
    assertThat(dev.write(0x1_0F80, data).ok()).isTrue();
    assertThat(asked).containsExactly(0x1_0F80L, 0x1_1000L);
    assertThat(mem.read(0x4000_0F80L, 0x80)).containsExactly(java.util.Arrays.copyOfRange(data, 0, 0x80));
    assertThat(mem.read(0x5000_0000L, 0x80)).containsExactly(java.util.Arrays.copyOfRange(data, 0x80, 0x100));
  }

  @Test
  void emulatedFaultMovesNoData() {
    VtdUnit unit = mock(VtdUnit.class);
    when(unit.config()).thenReturn(VtdConfig.qemu72()); // strict fidelity
    when(unit.translate(anyInt(), anyLong(), anyBoolean())).thenAnswer(inv -> {
      long iova = inv.getArgument(1);
      return (iova & ~0xFFFL) == 0x1_0000
          ? new TranslationResult(iova, 0x4000_0000L + (iova & 0xFFF), 4096, true, true, 1, null, false, false)
          : TranslationResult.fault(iova, 1, FaultReason.WRITE_DENIED, false, false);
    });
    EmulatedDevice dev = new EmulatedDevice("disk", SID, unit, mem, log);
    DmaResult r = dev.write(0x1_0F80, pattern(0x100));
    assertThat(r.ok()).isFalse();
    assertThat(r.faultIova()).isEqualTo(0x1_1000);
    assertThat(mem.read(0x4000_0F80L, 0x80)).containsOnly(0);
  }

  /**
   * QEMU (fidelity qemu, 7.2 and 11.1 alike): dma_memory_rw translates and copies page by page, so
   * the bytes before the unmapped page land and the request then faults.
   */
  @ParameterizedTest
  @ValueSource(strings = {"qemu-7.2", "qemu-11.1"})
  void emulatedFaultUnderQemuFidelityMovesTheMappedPart(String preset) {
    VtdUnit unit = mock(VtdUnit.class);
    when(unit.config()).thenReturn(VtdConfig.preset(preset, 48, Fidelity.QEMU));
    when(unit.translate(anyInt(), anyLong(), anyBoolean())).thenAnswer(inv -> {
      long iova = inv.getArgument(1);
      return (iova & ~0xFFFL) == 0x1_0000
          ? new TranslationResult(iova, 0x4000_0000L + (iova & 0xFFF), 4096, true, true, 1, null, false, false)
          : TranslationResult.fault(iova, 1, FaultReason.WRITE_DENIED, false, false);
    });
    EmulatedDevice dev = new EmulatedDevice("disk", SID, unit, mem, log);
    byte[] data = pattern(0x100);
    DmaResult r = dev.write(0x1_0F80, data);
    assertThat(r.ok()).isFalse();
    assertThat(r.faultIova()).isEqualTo(0x1_1000);
    assertThat(mem.read(0x4000_0F80L, 0x80)).containsExactly(java.util.Arrays.copyOfRange(data, 0, 0x80));
    assertThat(log.eventsOfKind(DmaDevice.OK)).isEmpty();
    assertThat(log.eventsOfKind(DmaDevice.FAULT)).hasSize(1);
    assertThat(dev.read(0x1_0F80, 0x100).ok()).isFalse(); // a read returns nothing either way
  }

  @Test
  void emulatedWriteWhoseLaterPageIsNotRamMovesNoData() {
    long notRam = 0x40_0000_0000L; // 256 GiB: far above the 4 GiB of q35 RAM
    assertThat(mem.isRam(notRam, 4096)).isFalse();
    VtdUnit unit = mock(VtdUnit.class);
    when(unit.config()).thenReturn(VtdConfig.qemu72()); // strict fidelity
    when(unit.translate(anyInt(), anyLong(), anyBoolean())).thenAnswer(inv -> {
      long iova = inv.getArgument(1);
      long base = (iova & ~0xFFFL) == 0x1_0000 ? 0x4000_0000L : notRam;
      return new TranslationResult(iova, base + (iova & 0xFFF), 4096, true, true, 1, null, false, false);
    });
    EmulatedDevice dev = new EmulatedDevice("disk", SID, unit, mem, log);
    DmaResult r = dev.write(0x1_0F80, pattern(0x100));
    assertThat(r.ok()).isFalse();
    assertThat(r.faultIova()).isEqualTo(0x1_1000);
    assertThat(mem.read(0x4000_0F80L, 0x80)).containsOnly(0); // the first page was not written
    assertThat(log.eventsOfKind(DmaDevice.OK)).isEmpty();
    assertThat(log.eventsOfKind(DmaDevice.FAULT)).singleElement().satisfies(e -> assertThat(e.attrs())
        .containsEntry("op", "write").containsEntry("iova", 0x1_1000L).containsEntry("reason", "target not guest RAM"));
  }

  @Test
  void emulatedReadWhoseLaterPageIsNotRamFaultsAtThatPage() {
    VtdUnit unit = mock(VtdUnit.class);
    when(unit.config()).thenReturn(VtdConfig.qemu72()); // strict fidelity
    when(unit.translate(anyInt(), anyLong(), anyBoolean())).thenAnswer(inv -> {
      long iova = inv.getArgument(1);
      long base = (iova & ~0xFFFL) == 0x1_0000 ? 0x4000_0000L : 0x40_0000_0000L;
      return new TranslationResult(iova, base + (iova & 0xFFF), 4096, true, true, 1, null, false, false);
    });
    EmulatedDevice dev = new EmulatedDevice("disk", SID, unit, mem, log);
    DmaResult r = dev.read(0x1_0F80, 0x100);
    assertThat(r.ok()).isFalse();
    assertThat(r.faultIova()).isEqualTo(0x1_1000);
  }
}
