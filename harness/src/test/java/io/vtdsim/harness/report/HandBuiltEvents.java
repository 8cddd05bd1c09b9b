package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A hand-written event log of a tiny run (boot, attach, map 4 KiB, assigned DMA), for renderer tests. */
public final class HandBuiltEvents {
  private HandBuiltEvents() {}

  private static final List<Event> EVENTS = new ArrayList<>();

  public static List<Event> tinyRun() {
    if (!EVENTS.isEmpty()) return EVENTS;
    add("harness.step", "harness", null, "index", 0, "text", "boot");
    add("driver.call", "driver", "boot [00:03.0]", "op", "boot");
    add("mmio.write", "vtd", null, "offset", 0x18, "size", 4, "value", 0x8000_0000L); // GCMD.TE
    add("mmio.read", "vtd", null, "offset", 0x1C, "size", 4, "value", 0x0L); // GSTS polled
    add("mmio.read", "vtd", null, "offset", 0x1C, "size", 4, "value", 0x0L);
    add("mmio.read", "vtd", null, "offset", 0x1C, "size", 4, "value", 0x8000_0000L);
    add("harness.step", "harness", null, "index", 1, "text", "map d1 iova 0x100000 -> gpa 0x2000000 size 4KiB rw");
    add("driver.call", "driver", "map d1 iova 0x100000 -> gpa 0x2000000 size 0x1000 rw", "op", "map");
    add("driver.flush", "driver", "PSI: 1 page, AM 0 <= MAMV 18", "decision", "psi");
    add("mmio.write", "vtd", null, "offset", 0x88, "size", 8, "value", 0x20L); // IQT
    // IOTLB PSI, DID 1, ADDR 0x100000, AM 0: type 2, granularity 11b at bits 5:4, DID at 31:16 (spec 6.5.2.3)
    add("vtd.descriptor", "vtd", "IOTLB PSI DID=1 ADDR=0x100000 AM=0", "desc", "iotlb-psi", "index", 1,
        "lo", 0x10032L, "hi", 0x100000L);
    add("shadow.walk", "shadow", null, "device", "nic", "start", 0x100000L, "end", 0x101000L, "entries", 4,
        "reason", "psi");
    add("shadow.notify", "shadow", null, "device", "nic", "type", "MAP", "iova", 0x100000L, "size", 4096L,
        "gpa", 0x2000000L, "read", true, "write", true);
    add("host.map", "host:nic", null, "container", "nic", "iova", 0x100000L, "size", 4096L, "gpa", 0x2000000L,
        "read", true, "write", true, "result", "ok");
    add("vtd.descriptor", "vtd", "wait", "desc", "wait", "index", 2, "lo", 0x25L, "hi", 0L);
    add("harness.step", "harness", null, "index", 2, "text", "dma nic write 64 B at 0x100000 expect ok");
    add("dma.ok", "nic", null, "device", "nic", "op", "write", "iova", 0x100000L, "length", 64);
    add("host.error", "host:nic", null, "container", "nic", "op", "map", "errno", "EEXIST", "iova", 0x100000L,
        "size", 4096L, "detail", "already mapped");
    add("dma.fault", "nic", null, "device", "nic", "op", "read", "iova", 0x200000L, "reason", "no mapping");
    return EVENTS;
  }

  private static void add(String kind, String source, String detail, Object... kv) {
    Map<String, Object> attrs = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) attrs.put((String) kv[i], kv[i + 1]);
    long seq = EVENTS.size() + 1;
    EVENTS.add(new Event(seq, seq * 1000, kind, source, detail, Map.copyOf(attrs)));
  }
}
