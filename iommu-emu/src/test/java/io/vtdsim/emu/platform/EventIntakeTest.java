package io.vtdsim.emu.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An intake sees the same facts whether the log builds events (it retains) or not. */
class EventIntakeTest {
  /** Writes down every call it takes. */
  static final class Recording implements EventIntake {
    final List<String> calls = new ArrayList<>();

    @Override
    public void event(Event e) {
      calls.add("event " + e.kind());
    }

    @Override
    public void hostMap(String container, long iova, long size) {
      calls.add("map " + container + " " + Long.toHexString(iova) + " " + Long.toHexString(size));
    }

    @Override
    public void hostUnmap(String container, long iova, long size) {
      calls.add("unmap " + container + " " + Long.toHexString(iova) + " " + Long.toHexString(size));
    }
  }

  private static List<String> run(int retention) {
    EventLog log = new EventLog(new Clock(), retention);
    Recording r = new Recording();
    log.subscribeIntake(r);
    HostContainer host = new HostContainer("nic", HostSemantics.VFIO_TYPE1, GuestMemory.flat(16L << 20), log);
    host.map(0x10000, 0x100000, 0x2000, true, true);
    host.map(0x10000, 0x100000, 0x1000, true, true); // vfio type1: EEXIST, a host.error event too
    host.unmap(0x10000, 0x2000);
    log.emit("harness.note", "test", "a kind without a fact method", Map.of());
    return r.calls;
  }

  @Test
  void anIntakeAloneEnablesTheLogWithoutMakingItBuildEvents() {
    EventLog log = new EventLog(new Clock(), 0);
    assertThat(log.enabled()).isFalse();
    log.subscribeIntake(e -> {});
    assertThat(log.enabled()).isTrue();
    assertThat(log.building()).isFalse();
    log.subscribe(e -> {});
    assertThat(log.building()).isTrue();
  }

  @Test
  void factsFromEmittersEqualFactsReadBackFromBuiltEvents() {
    List<String> expected = List.of("map nic 10000 2000", "map nic 10000 1000", "event host.error",
        "unmap nic 10000 2000", "event harness.note");
    assertThat(run(0)).isEqualTo(expected);
    assertThat(run(EventLog.UNBOUNDED)).isEqualTo(expected);
  }
}
