package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * A Mermaid {@code sequenceDiagram} of a run, in a Markdown file: participants Driver, VT-d, Shadow,
 * Host and Device. MMIO writes and reads are Driver↔VT-d messages (consecutive identical reads — status
 * polls — collapse into one with a count), descriptors and faults are notes over VT-d, walks and notifier
 * events go VT-d→Shadow, host calls Shadow→Host, DMA Device→Host (assigned) or Device→VT-d (emulated,
 * recognized by the translate event that precedes it). Very long runs are cut at {@code maxMessages}
 * with a note saying how many events were left out.
 */
public final class SequenceDiagram {
  public static final int DEFAULT_MAX_MESSAGES = 1500;

  private final EventText text;
  private final int maxMessages;

  public SequenceDiagram(EventText text) {
    this(text, DEFAULT_MAX_MESSAGES);
  }

  public SequenceDiagram(EventText text, int maxMessages) {
    this.text = text;
    this.maxMessages = maxMessages;
  }

  /** The Markdown document: a heading and one fenced mermaid block. */
  public String render(String title, List<Event> events) {
    Lines lines = new Lines(maxMessages);
    String pendingRead = null;
    int pendingCount = 0;
    boolean translatedDma = false;
    for (Event e : events) {
      String kind = e.kind();
      if (kind.equals(EventKinds.MMIO_READ)) {
        String msg = "VT-d-->>Driver: " + clean(text.line(e).replace("MMIO ", ""));
        if (msg.equals(pendingRead)) {
          pendingCount++;
          continue;
        }
        flushRead(lines, pendingRead, pendingCount);
        pendingRead = msg;
        pendingCount = 1;
        continue;
      }
      flushRead(lines, pendingRead, pendingCount);
      pendingRead = null;
      pendingCount = 0;
      if (kind.equals(EventKinds.TRANSLATE)) {
        translatedDma = true;
        continue;
      }
      String line = message(e, translatedDma);
      if (kind.equals(EventKinds.DMA_OK) || kind.equals(EventKinds.DMA_FAULT)) translatedDma = false;
      if (line != null) lines.add(line);
    }
    flushRead(lines, pendingRead, pendingCount);
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(title).append("\n\n```mermaid\nsequenceDiagram\n");
    sb.append("    participant Driver\n    participant VT-d\n    participant Shadow\n");
    sb.append("    participant Host\n    participant Device\n");
    for (String l : lines.kept) sb.append("    ").append(l).append('\n');
    if (lines.omitted > 0) {
      sb.append("    Note over Driver,Device: ").append(lines.omitted).append(" more events omitted\n");
    }
    sb.append("```\n");
    return sb.toString();
  }

  /** Messages up to the cap, then a count of the rest. */
  private static final class Lines {
    final List<String> kept = new ArrayList<>();
    final int max;
    int omitted;

    Lines(int max) {
      this.max = max;
    }

    void add(String line) {
      if (kept.size() < max) kept.add(line);
      else omitted++;
    }
  }

  private static void flushRead(Lines lines, String read, int count) {
    if (read != null) lines.add(count > 1 ? read + " (x" + count + ")" : read);
  }

  private String message(Event e, boolean translatedDma) {
    String t = clean(text.line(e));
    return switch (e.kind()) {
      case EventKinds.STEP -> "Note over Driver,Device: " + t;
      case EventKinds.VERDICT -> EventText.verdict(e).equals("ok") ? null : "Note over Driver,Device: " + t;
      case EventKinds.DRIVER_CALL, EventKinds.DRIVER_FLUSH, EventKinds.DRIVER_FAULT -> "Note over Driver: " + t;
      case EventKinds.MMIO_WRITE -> "Driver->>VT-d: " + clean(text.line(e).replace("MMIO ", ""));
      case EventKinds.MMIO_REJECTED -> "Driver-xVT-d: " + t;
      case EventKinds.DESCRIPTOR, EventKinds.REGISTER_INVALIDATION, EventKinds.REGISTER_INVALIDATION_IGNORED,
          EventKinds.IQE, EventKinds.COMMAND, EventKinds.FAULT, EventKinds.CACHE_INVALIDATE -> "Note over VT-d: " + t;
      case EventKinds.FAULT_EVENT -> "VT-d-)Driver: " + t;
      case EventKinds.WAIT_COMPLETE -> "VT-d-->>Driver: " + t;
      case EventKinds.WALK, EventKinds.NOTIFY, EventKinds.SWITCH -> "VT-d->>Shadow: " + t;
      case EventKinds.HOST_MAP, EventKinds.HOST_UNMAP -> "Shadow->>Host: " + t;
      case EventKinds.HOST_ERROR -> "Host--xShadow: " + t;
      case EventKinds.STALE_WINDOW -> "Note over Shadow,Host: " + t;
      case EventKinds.DMA_OK -> (translatedDma ? "Device->>VT-d: " : "Device->>Host: ") + t;
      case EventKinds.DMA_FAULT -> (translatedDma ? "Device-xVT-d: " : "Device-xHost: ") + t;
      case EventKinds.QEMU_START -> "Note over Driver,Device: " + t;
      default -> null;
    };
  }

  /** Mermaid message text: no ';' or '#' (statement separator, entity escape), no angle brackets. */
  static String clean(String s) {
    return s.replace("->", "→").replace(";", ",").replace("#", "no.").replace("<", "(").replace(">", ")").replace("\n", " ");
  }
}
