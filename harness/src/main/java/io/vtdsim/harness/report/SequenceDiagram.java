package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventKind;
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
      EventKind kind = e.type();
      if (kind == EventKind.MMIO_READ) {
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
      if (kind == EventKind.TRANSLATE) {
        translatedDma = true;
        continue;
      }
      String line = message(e, translatedDma);
      if (kind == EventKind.DMA_OK || kind == EventKind.DMA_FAULT) translatedDma = false;
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
    return switch (e.type()) {
      case STEP -> "Note over Driver,Device: " + t;
      case VERDICT -> EventText.verdict(e).equals("ok") ? null : "Note over Driver,Device: " + t;
      case DRIVER_CALL, DRIVER_FLUSH, DRIVER_FAULT -> "Note over Driver: " + t;
      case MMIO_WRITE -> "Driver->>VT-d: " + clean(text.line(e).replace("MMIO ", ""));
      case MMIO_REJECTED -> "Driver-xVT-d: " + t;
      case DESCRIPTOR, REGISTER_INVALIDATION, REGISTER_INVALIDATION_IGNORED,
          IQE, COMMAND, FAULT, CACHE_INVALIDATE -> "Note over VT-d: " + t;
      case FAULT_EVENT -> "VT-d-)Driver: " + t;
      case WAIT_COMPLETE -> "VT-d-->>Driver: " + t;
      case WALK, NOTIFY, SWITCH -> "VT-d->>Shadow: " + t;
      case HOST_MAP, HOST_UNMAP -> "Shadow->>Host: " + t;
      case HOST_ERROR -> "Host--xShadow: " + t;
      case STALE_WINDOW -> "Note over Shadow,Host: " + t;
      case DMA_OK -> (translatedDma ? "Device->>VT-d: " : "Device->>Host: ") + t;
      case DMA_FAULT -> (translatedDma ? "Device-xVT-d: " : "Device-xHost: ") + t;
      default -> e.kind().equals(EventKinds.QEMU_START) ? "Note over Driver,Device: " + t : null;
    };
  }

  /** Mermaid message text: no ';' or '#' (statement separator, entity escape), no angle brackets. */
  static String clean(String s) {
    return s.replace("->", "→").replace(";", ",").replace("#", "no.").replace("<", "(").replace(">", ")").replace("\n", " ");
  }
}
