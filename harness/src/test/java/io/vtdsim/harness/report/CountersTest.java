package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counters are views of the event vocabulary (EventKind; ARCHITECTURE.md "Events"): one event, one count (walks sum entries). */
class CountersTest {
  @Test
  void countsEachEventKindIntoItsCounter() {
    EventLog log = new EventLog(new Clock());
    Counters c = Counters.subscribedTo(log);
    log.emit("mmio.read", "vtd", null, Map.of("offset", 0x1c, "size", 4, "value", 0L));
    log.emit("mmio.write", "vtd", null, Map.of("offset", 0x88, "size", 8, "value", 0x20L));
    log.emit("mmio.write", "vtd", null, Map.of("offset", 0x88, "size", 8, "value", 0x40L));
    for (String d : new String[] {"cc-global", "cc-domain", "cc-device", "iotlb-global", "iotlb-dsi", "iotlb-psi", "wait"}) {
      log.emit("vtd.descriptor", "vtd", d, Map.of("desc", d, "index", 0, "lo", 0L, "hi", 0L));
    }
    log.emit("vtd.register-invalidation", "vtd", "iotlb-psi via IVA/IOTLB", Map.of("desc", "iotlb-psi"));
    log.emit("vtd.descriptor", "vtd", "iec", Map.of("desc", "iec", "index", 9, "lo", 0L, "hi", 0L));
    log.emit("host.map", "host:nic", null, Map.of("container", "host:nic", "iova", 0L, "size", 4096L));
    log.emit("host.unmap", "host:nic", null, Map.of("container", "host:nic", "iova", 0L, "size", 4096L));
    log.emit("host.error", "host:nic", null, Map.of("container", "host:nic", "errno", "EEXIST"));
    log.emit("shadow.walk", "shadow", null, Map.of("device", "nic", "start", 0L, "end", 4096L, "entries", 4));
    log.emit("shadow.walk", "shadow", null, Map.of("device", "nic", "start", 0L, "end", 1L << 48, "entries", 1030));
    log.emit("dma.ok", "nic", null, Map.of("device", "nic", "op", "write", "iova", 0L, "length", 64));
    log.emit("dma.fault", "nic", null, Map.of("device", "nic", "op", "read", "iova", 0L, "reason", "6"));
    log.emit("driver.call", "driver", "map", Map.of("op", "map"));
    log.emit("host:nic", new EventBody.NestedBind("nic", "nested", 0x1000, 48, 0, 0));
    log.emit("host:nic", new EventBody.NestedBind("nic", "blocked", 0, 0, 0, 3));
    log.emit("host:nic", new EventBody.NestedInvalidate("nic", 0x2000, 1, 0, "ok", 1));
    log.emit("harness.dma-lazy-stale", "harness", null, Map.of("index", 5, "device", "nic", "iova", 0L, "landed", true));
    log.emit("harness.dma-lazy-stale", "harness", null, Map.of("index", 6, "device", "nic", "iova", 0L, "landed", false));

    assertThat(c.snapshot()).containsExactly(
        Map.entry("mmio-reads", 1L), Map.entry("mmio-writes", 2L),
        Map.entry("desc-cc-global", 1L), Map.entry("desc-cc-domain", 1L), Map.entry("desc-cc-device", 1L),
        Map.entry("desc-iotlb-global", 1L), Map.entry("desc-iotlb-dsi", 1L), Map.entry("desc-iotlb-psi", 2L),
        Map.entry("desc-wait", 1L), Map.entry("host-map", 1L), Map.entry("host-unmap", 1L),
        Map.entry("host-errors", 1L), Map.entry("walk-entries", 1034L), Map.entry("dma-ok", 1L),
        Map.entry("dma-fault", 1L), Map.entry("dma-stale", 1L), Map.entry("nested-binds", 2L),
        Map.entry("nested-invalidates", 1L));
    assertThat(Counters.of(log.events()).snapshot()).isEqualTo(c.snapshot());
  }

  @Test
  void unknownCounterNamesAreRejected() {
    assertThatThrownBy(() -> new Counters().get("desc-psi")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("desc-iotlb-psi");
  }
}
