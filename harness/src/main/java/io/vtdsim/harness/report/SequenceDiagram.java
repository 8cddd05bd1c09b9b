package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.Units;
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
  private List<Violation> violations = List.of();

  public SequenceDiagram(EventText text) {
    this(text, DEFAULT_MAX_MESSAGES);
  }

  public SequenceDiagram(EventText text, int maxMessages) {
    this.text = text;
    this.maxMessages = maxMessages;
  }

  /** The Markdown document: a heading and one fenced mermaid block. */
  public String render(String title, List<Event> events) {
    return render(title, events, "", List.of());
  }

  /**
   * As {@link #render(String, List)}, telling what {@code strategy} ignores ({@link StepNarrative})
   * and, in a red box after their step, each of {@code violations} with its kind, device and IOVA range.
   */
  public String render(String title, List<Event> events, String strategy, List<Violation> violations) {
    return "# " + title + "\n\n```mermaid\n" + mermaid(events, strategy, violations) + "```\n";
  }

  /**
   * The events of steps {@code from} to {@code to} (inclusive; the runner's step indices): from the
   * step marker of {@code from} to the one after {@code to}.
   */
  public static List<Event> steps(List<Event> events, int from, int to) {
    List<Event> out = new ArrayList<>();
    boolean in = false;
    for (Event e : events) {
      if (e.kind().equals(EventKinds.STEP)) {
        Long i = EventAttrs.num(e, "index");
        in = i != null && i >= from && i <= to;
      }
      if (in) out.add(e);
    }
    return out;
  }

  /** The Mermaid source alone: {@code sequenceDiagram}, the participants and the messages. */
  public String mermaid(List<Event> events, String strategy, List<Violation> violations) {
    this.violations = violations;
    Lines lines = new Lines(maxMessages);
    String pendingRead = null;
    int pendingCount = 0;
    boolean translatedDma = false;
    for (StepNarrative.Shown e : StepNarrative.of(events, text, strategy)) {
      String kind = e.kind();
      if (kind.equals(EventKinds.MMIO_READ)) {
        String msg = "VT-d-->>Driver: " + clean(e.text().replace("MMIO ", ""));
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
    sb.append("sequenceDiagram\n");
    sb.append("    participant Driver\n    participant VT-d\n    participant Shadow\n");
    sb.append("    participant Host\n    participant Device\n");
    for (String l : lines.kept) sb.append("    ").append(l).append('\n');
    if (lines.omitted > 0) {
      sb.append("    Note over Driver,Device: ").append(lines.omitted).append(" more events omitted\n");
    }
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

  private String message(StepNarrative.Shown shown, boolean translatedDma) {
    String t = clean(shown.text());
    Event e = shown.event();
    switch (shown.kind()) {
      case StepNarrative.IGNORED:
        return "Note over Shadow: " + t;
      case StepNarrative.GUEST_WRITES:
        return "Note over Driver: " + t;
      case StepNarrative.WHY:
        return "Note over Shadow,Host: " + t;
      case StepNarrative.SWEEP:
        return "VT-d->>Shadow: " + t;
      case StepNarrative.SWEEP_HOST:
        return "Shadow->>Host: " + t;
      default:
        break;
    }
    if (e.kind().equals(EventKinds.UNREPAIRED)) return "rect rgb(255, 225, 225)\n    Note over Driver,Device: " + t + "\n    end";
    return switch (e.type()) {
      case STEP -> "Note over Driver,Device: " + t;
      case VERDICT -> EventText.verdict(e).equals("ok") ? null : verdictBox(e, t);
      case DRIVER_CALL, DRIVER_FLUSH, DRIVER_FAULT -> "Note over Driver: " + t;
      case MMIO_WRITE -> "Driver->>VT-d: " + clean(shown.text().replace("MMIO ", ""));
      case MMIO_REJECTED -> "Driver-xVT-d: " + t;
      case DESCRIPTOR, REGISTER_INVALIDATION, REGISTER_INVALIDATION_IGNORED,
          IQE, COMMAND, FAULT, CACHE_INVALIDATE -> "Note over VT-d: " + t;
      case FAULT_EVENT -> "VT-d-)Driver: " + t;
      case WAIT_COMPLETE -> "VT-d-->>Driver: " + t;
      case WALK, NOTIFY, SWITCH -> "VT-d->>Shadow: " + t;
      case HOST_MAP, HOST_UNMAP, NESTED_BIND, NESTED_INVALIDATE -> "Shadow->>Host: " + t;
      case HOST_ERROR -> "Host--xShadow: " + t;
      case STALE_WINDOW -> "Note over Shadow,Host: " + t;
      case DMA_OK -> (translatedDma ? "Device->>VT-d: " : "Device->>Host: ") + t;
      case DMA_FAULT -> (translatedDma ? "Device-xVT-d: " : "Device-xHost: ") + t;
      default -> e.kind().equals(EventKinds.QEMU_START) ? "Note over Driver,Device: " + t
          : e.kind().equals(EventKinds.DMA_SG) ? "Note over Driver: " + t : null;
    };
  }

  /** A red box after the step: one note per violation found there (kind, device, IOVA range), else the verdict. */
  private String verdictBox(Event verdict, String verdictText) {
    Long index = EventAttrs.num(verdict, "index");
    StringBuilder sb = new StringBuilder("rect rgb(255, 225, 225)");
    int n = 0;
    for (Violation v : violations) {
      if (index == null || v.step() != index) continue;
      sb.append("\n    Note over Driver,Device: ").append(clean("VIOLATION " + v.kind() + (v.device().isEmpty() ? "" : " " + v.device())
          + (v.size() > 0 ? " iova " + Units.hex(v.iova()) + " size " + Units.formatSize(v.size()) : "")));
      n++;
    }
    if (n == 0) sb.append("\n    Note over Driver,Device: ").append(verdictText);
    return sb.append("\n    end").toString();
  }

  /**
   * Mermaid message text with every character kept: ';' (statement separator), '#' (entity escape),
   * '<' and '>' become Mermaid's entity codes ({@code #59;}, {@code #35;}, {@code #lt;}, {@code #gt;});
   * "->" reads as an arrow.
   */
  static String clean(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    String t = s.replace("->", "→").replace("\n", " ");
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      switch (c) {
        case ';' -> sb.append("#59;");
        case '#' -> sb.append("#35;");
        case '<' -> sb.append("#lt;");
        case '>' -> sb.append("#gt;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
