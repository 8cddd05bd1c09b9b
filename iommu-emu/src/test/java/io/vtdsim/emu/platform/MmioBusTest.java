package io.vtdsim.emu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MmioBusTest {
  /** A device that records accesses and answers offset+size. */
  static final class Probe implements MmioDevice {
    final List<String> calls = new ArrayList<>();

    @Override
    public long read(int offset, int size) {
      calls.add("r" + size + "@" + offset);
      return 0x1_0000_0000L | offset;
    }

    @Override
    public void write(int offset, int size, long value) {
      calls.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
    }

    @Override
    public int windowSize() {
      return 0x100;
    }

    @Override
    public String name() {
      return "probe";
    }
  }

  @Test
  void fourAndEightByteAccessesReachTheDeviceAndAreLogged() {
    EventLog log = new EventLog(new Clock());
    MmioBus bus = new MmioBus(log);
    Probe p = new Probe();
    bus.map(0x1000, p);
    assertThat(bus.read64(0x1008)).isEqualTo(0x1_0000_0008L);
    assertThat(bus.read32(0x1010)).isEqualTo(0x10); // 32-bit reads are truncated
    bus.write32(0x1018, -1);
    assertThat(p.calls).containsExactly("r8@8", "r4@16", "w4@24=ffffffff");
    assertThat(log.eventsOfKind(MmioBus.EV_READ)).hasSize(2);
    assertThat(log.eventsOfKind(MmioBus.EV_WRITE)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("offset", 0x18).containsEntry("value", 0xFFFF_FFFFL));
  }

  @Test
  void otherSizesMisalignedAndUnmappedAreRejectedWithoutReachingTheDevice() {
    EventLog log = new EventLog(new Clock());
    MmioBus bus = new MmioBus(log);
    Probe p = new Probe();
    bus.map(0x1000, p);
    assertThat(bus.read(0x1000, 2)).isEqualTo(0xFFFF_FFFFL);
    bus.write(0x1000, 1, 5);
    assertThat(bus.read(0x1004, 8)).isEqualTo(-1L);
    assertThat(bus.read(0x9000, 4)).isEqualTo(0xFFFF_FFFFL);
    assertThat(p.calls).isEmpty();
    assertThat(log.eventsOfKind(MmioBus.EV_REJECTED)).hasSize(4);
  }

  @Test
  void overlappingWindowsAreRefused() {
    MmioBus bus = new MmioBus(new EventLog(new Clock()));
    bus.map(0x1000, new Probe());
    assertThatThrownBy(() -> bus.map(0x10F0, new Probe())).hasMessageContaining("overlaps");
  }
}
