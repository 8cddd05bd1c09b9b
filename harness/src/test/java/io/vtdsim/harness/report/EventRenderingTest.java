package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.vtd.VtdConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventRenderingTest {
  private final EventText text = new EventText(VtdConfig.qemu72());
  private final List<Event> events = HandBuiltEvents.tinyRun();

  @Test
  void registerNamesComeFromTheSpecOffsets() {
    // VT-d spec 11.4: GCMD 0x18, GSTS 0x1C, IQT 0x88; QEMU's IRO 0xF puts IOTLB at 0xF8
    assertThat(text.register(0x18)).isEqualTo("GCMD");
    assertThat(text.register(0x1C)).isEqualTo("GSTS");
    assertThat(text.register(0x88)).isEqualTo("IQT");
    assertThat(text.register(0xF8)).isEqualTo("IOTLB");
  }

  @Test
  void traceHasOneLinePerEventWithRegisterNamesAndDecodedDescriptors() {
    String trace = new ProtocolTrace(text).render("tiny", events);
    List<String> lines = trace.lines().toList();
    assertThat(lines).hasSize(1 + events.size());
    assertThat(lines.get(0)).isEqualTo("# tiny");
    assertThat(trace)
        .contains("== step 0: boot")
        .contains("MMIO write32 GCMD = 0x80000000")
        .contains("MMIO read32  GSTS -> 0x80000000")
        .contains("MMIO write64 IQT = 0x20")
        .contains("QI[1] iotlb-psi: IOTLB PSI DID=1 ADDR=0x100000 AM=0")
        .contains("walk nic [0x100000, 0x101000) 4 entries (psi)")
        .contains("notify nic MAP iova 0x100000 size 4KiB -> gpa 0x2000000 rw")
        .contains("host map nic iova 0x100000 size 4KiB -> gpa 0x2000000 rw: ok")
        .contains("HOST ERROR EEXIST on map nic iova 0x100000 size 4KiB: already mapped")
        .contains("DMA nic write 64 B at iova 0x100000 ok")
        .contains("DMA nic read at iova 0x200000 FAULT: no mapping")
        .contains("flush PSI: 1 page, AM 0 <= MAMV 18");
    assertThat(lines.get(3)).startsWith("#3").contains("3.000us").contains("vtd");
  }

  @Test
  void descriptorsAreDecodedFromTheQuadwordsNotTheEmittersText() {
    Event lying = new Event(1, 0, "vtd.descriptor", "vtd", "something else", Map.of("desc", "iotlb-dsi", "index", 7,
        "lo", 0x10022L, "hi", 0L)); // granularity 10b = domain-selective, DID 1
    assertThat(text.line(lying)).isEqualTo("QI[7] iotlb-dsi: IOTLB DSI DID=1");
  }

  @Test
  void harnessAndOracleEventsRenderAsSentences() {
    Event step = new Event(1, 0, "harness.step", "harness", "step 3: advance 10ms", Map.of("index", 3, "text", "advance 10ms"));
    assertThat(text.line(step)).isEqualTo("step 3: advance 10ms");
    Event ok = new Event(2, 0, "harness.verdict", "oracle", "step 3: ok", Map.of("index", 3, "violations", 0, "kinds", ""));
    assertThat(text.line(ok)).isEqualTo("oracle after step 3: ok");
    Event bad = new Event(3, 0, "harness.verdict", "oracle", "x",
        Map.of("index", 4, "violations", 2, "kinds", "stale-mapping, host-error"));
    assertThat(text.line(bad)).isEqualTo("oracle after step 4: 2 violations (stale-mapping, host-error)");
    Event window = new Event(4, 20_000_000, "oracle.stale-window", "oracle", "raw", Map.of("device", "nic",
        "iova", 0xffffe000L, "size", 0x2000L, "fromStep", 6, "toStep", 8, "nanos", 10_000_000L));
    assertThat(text.line(window)).isEqualTo("stale window nic iova 0xffffe000 size 8KiB: stayed mapped in the host "
        + "from step 6 to step 8 (10ms) while queued for a lazy flush");
  }

  @Test
  void aStaleWindowStillOpenAtTheEndHasNoEnd() {
    assertThat(EventText.staleWindow(new io.vtdsim.harness.oracle.StaleWindow("nic", 0x5000, 0x1000, 3, -1, 7, -1)))
        .isEqualTo("stale window nic iova 0x5000 size 4KiB: mapped in the host from step 3 to the end, "
            + "still queued for a lazy flush");
  }

  @Test
  void unknownKindsAndMissingAttributesStillRender() {
    Event odd = new Event(1, 0, "something.new", "x", "free text", Map.of());
    assertThat(text.line(odd)).isEqualTo("something.new [x] free text");
    Event bare = new Event(2, 0, "host.map", "host", null, Map.of());
    assertThat(text.line(bare)).startsWith("host map");
  }

  @Test
  void diagramIsAMermaidSequenceWithTheFiveParticipants() {
    String md = new SequenceDiagram(text).render("tiny", events);
    assertThat(md).startsWith("# tiny\n\n```mermaid\nsequenceDiagram\n").endsWith("```\n");
    assertThat(md).contains("participant Driver", "participant VT-d", "participant Shadow", "participant Host",
        "participant Device");
    assertThat(md)
        .contains("Note over Driver,Device: step 1: map d1 iova 0x100000 → gpa 0x2000000 size 4KiB rw")
        .contains("Driver->>VT-d: write32 GCMD = 0x80000000")
        // two identical GSTS polls collapse; the final one differs
        .contains("VT-d-->>Driver: read32  GSTS → 0x0 (x2)")
        .contains("VT-d-->>Driver: read32  GSTS → 0x80000000")
        .contains("Note over VT-d: QI[1] iotlb-psi: IOTLB PSI DID=1 ADDR=0x100000 AM=0")
        .contains("VT-d->>Shadow: walk nic")
        .contains("Shadow->>Host: host map nic iova 0x100000")
        .contains("Host--xShadow: HOST ERROR EEXIST")
        .contains("Device->>Host: DMA nic write 64 B")
        .contains("Device-xHost: DMA nic read at iova 0x200000 FAULT");
    // ';' and '#' end a Mermaid statement or start an entity: the text carries them as entity codes only
    String body = md.substring(md.indexOf("sequenceDiagram")).replaceAll("#(\\d+|lt|gt);", "");
    assertThat(body).doesNotContain(";").doesNotContain("#");
  }

  @Test
  void diagramTextKeepsEveryCharacterAsMermaidEntityCodes() {
    // Mermaid sequence diagrams: #gt; #lt; and #NN; (decimal) are entity codes; ';' separates statements
    assertThat(SequenceDiagram.clean("AM 19 > MAMV 18 → DSI")).isEqualTo("AM 19 #gt; MAMV 18 → DSI");
    assertThat(SequenceDiagram.clean("a; #3 <x>")).isEqualTo("a#59; #35;3 #lt;x#gt;");
    assertThat(SequenceDiagram.clean("iova -> gpa")).isEqualTo("iova → gpa");
  }

  @Test
  void longRunsAreCutWithANote() {
    String md = new SequenceDiagram(text, 3).render("tiny", events);
    assertThat(md).contains("more events omitted");
    long arrows = md.lines().filter(l -> l.startsWith("    ") && !l.contains("participant")).count();
    assertThat(arrows).isLessThanOrEqualTo(3 + 2);
  }
}
