package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventKind;
import java.util.List;

/**
 * The protocol trace: one line per event, {@code #seq  time  source  text}, with step markers as
 * headings. Time is simulated time in microseconds.
 */
public final class ProtocolTrace {
  private final EventText text;

  public ProtocolTrace(EventText text) {
    this.text = text;
  }

  public String render(String title, List<Event> events) {
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(title).append('\n');
    for (Event e : events) {
      if (e.type() == EventKind.STEP) {
        sb.append("== ").append(text.line(e)).append('\n');
        continue;
      }
      sb.append(String.format(java.util.Locale.ROOT, "#%-6d %12s  %-8s %s%n", e.seq(), micros(e.timeNanos()), e.source(), text.line(e)));
    }
    return sb.toString();
  }

  static String micros(long nanos) {
    return String.format(java.util.Locale.ROOT, "%d.%03dus", nanos / 1000, nanos % 1000);
  }
}
