package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The events of a run in the order and granularity the teaching views ({@code explain}, the sequence
 * diagram) tell them:
 *
 * <ul>
 *   <li>a shadow walk comes before the notifier events and host calls it produced (the emulator emits
 *       the walk's summary when it ends, QEMU's vtd_page_walk calls the notifier from inside it);
 *   <li>a run of {@value #FOLD_AT} or more UNMAP notifications of one device, each with its host unmap
 *       — the sweep a replay or address-space switch does over a whole address width — is one line
 *       with a count and the range it covered;
 *   <li>after a driver call that changes the guest's tables or context entries, one line for those
 *       writes: they go to guest memory, which the emulator does not trap — under caching mode it
 *       learns of them only from the invalidation that follows (VT-d spec 6.1; QEMU's
 *       vtd_iotlb_page_invalidate_notify walks the tables only then);
 *   <li>under {@code psi-only}, an IOTLB domain/global or context-cache descriptor that no walk
 *       follows gets an explicit "ignored by psi-only" line (the 2017 RFC: only PSIs are walked);
 *   <li>a first-stage map that the driver does not flush (Linux flushes a first-stage domain at map
 *       time never, caching mode or not) gets a line saying why a shadow cannot see it, or under
 *       {@code nested} why nesting needs no such flush; a PASID-based invalidation forwarded to a
 *       nested HWPT, that only what it covers leaves the host's cache.
 * </ul>
 */
final class StepNarrative {
  /** Consecutive UNMAP notifications (each with its host call) folded into one line from this many on. */
  static final int FOLD_AT = 4;
  /** A report-made kind: an invalidation the strategy dropped. */
  static final String IGNORED = "report.ignored";
  /** A report-made kind: a folded run of UNMAP notifications. */
  static final String SWEEP = "report.sweep";
  /** A report-made kind: the guest's (untrapped) table writes of a driver call. */
  static final String GUEST_WRITES = "report.guest-writes";
  /** A report-made kind: the host calls of a folded sweep. */
  static final String SWEEP_HOST = "report.sweep-host";
  /** A report-made kind: why a strategy sees (or need not see) what the guest did. */
  static final String WHY = "report.why";
  private static final String NESTED = "nested";

  private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("^QI\\[\\d+] ([a-z-]+):");

  /**
   * One thing to tell: an event (its kind and text), or a line the report made (kind {@link #IGNORED},
   * {@link #SWEEP} or {@link #SWEEP_HOST}; {@code event} is then the first event it stands for).
   */
  record Shown(String kind, Event event, String text) {}

  private StepNarrative() {}

  static List<Shown> of(List<Event> events, EventText text, String strategy) {
    List<Event> ordered = walkFirst(events);
    List<Shown> out = new ArrayList<>();
    for (int i = 0; i < ordered.size(); i++) {
      Event e = ordered.get(i);
      int run = unmapRun(ordered, i);
      if (run >= FOLD_AT) {
        out.addAll(fold(ordered.subList(i, i + 2 * run)));
        i += 2 * run - 1;
        continue;
      }
      out.add(new Shown(e.kind(), e, text.line(e)));
      if (e.kind().equals(EventKinds.DRIVER_CALL)) {
        String writes = guestWrites(e);
        if (writes != null) out.add(new Shown(GUEST_WRITES, e, writes + " in guest memory (not trapped)"));
      }
      String why = why(e, strategy);
      if (why != null) out.add(new Shown(WHY, e, why));
      if (e.kind().equals(EventKinds.DESCRIPTOR) && strategy.equals("psi-only")) {
        String type = descriptorType(text.line(e));
        if (type != null && dropsByPsiOnly(type) && !walkFollows(ordered, i + 1)) {
          out.add(new Shown(IGNORED, e, "ignored by psi-only: " + type + " — no walk, the host is not told"));
        }
      }
    }
    return out;
  }

  /** The reason line after {@code e} under {@code strategy}, or null. */
  static String why(Event e, String strategy) {
    if (e.body() instanceof EventBody.DriverFlush f && f.decision().equals("none")
        && f.reason().startsWith("first-stage domain")) {
      return strategy.equals(NESTED)
          ? "nested: no invalidation needed — the device translates through the guest's first-stage table itself,"
              + " bound into the nested HWPT at the PASID-cache invalidation of the attach"
          : "unseen by " + strategy + ": a shadow learns of maps only from invalidations, and a first-stage"
              + " domain gets none at map time — the host is never told (nesting binds the guest's table instead)";
    }
    if (e.body() instanceof EventBody.NestedInvalidate n && n.npages() != -1) {
      return "forwarded: nesting passes the guest's PASID-based invalidation to the host as one request;"
          + " only the pages it covers leave the host IOTLB";
    }
    return null;
  }

  /** What a driver call writes into its tables or context entries, or null for calls that write none. */
  static String guestWrites(Event call) {
    String op = EventAttrs.str(call, "op");
    Long iova = EventAttrs.num(call, "iova");
    Long size = EventAttrs.num(call, "size");
    String range = iova == null || size == null ? "" : " [" + Units.hex(iova) + ", +" + Units.formatSize(size) + ")";
    return switch (op) {
      case "map" -> "guest writes the page-table entries of" + range;
      case "unmap", "unmap-single", "unmap-sg" -> "guest clears the page-table entries of" + (range.isEmpty() ? " the buffer" : range);
      case "map-single" -> "guest writes the page-table entries of the buffer";
      case "map-sg" -> "guest writes the page-table entries of the scatter list";
      case "attach", "detach" -> "guest writes the context entry of " + EventAttrs.str(call, "dev");
      default -> null;
    };
  }

  /** psi-only walks only page-selective IOTLB invalidations; waits and device-TLB ones are not about mappings. */
  private static boolean dropsByPsiOnly(String type) {
    return type.equals("iotlb-dsi") || type.equals("iotlb-global") || type.startsWith("cc-");
  }

  static String descriptorType(String line) {
    Matcher m = DESCRIPTOR_TYPE.matcher(line);
    return m.find() ? m.group(1) : null;
  }

  /** Whether a shadow event comes before the next descriptor or MMIO write (what the descriptor caused). */
  private static boolean walkFollows(List<Event> events, int from) {
    for (int i = from; i < events.size(); i++) {
      String k = events.get(i).kind();
      if (k.startsWith("shadow.") || k.startsWith("host.")) return true;
      if (k.equals(EventKinds.DESCRIPTOR) || k.equals(EventKinds.MMIO_WRITE) || k.equals(EventKinds.STEP)) return false;
    }
    return false;
  }

  /** Moves each walk before the notifier/host events of its device that directly precede it. */
  static List<Event> walkFirst(List<Event> events) {
    List<Event> out = new ArrayList<>(events);
    for (int i = 0; i < out.size(); i++) {
      Event e = out.get(i);
      if (!e.kind().equals(EventKinds.WALK)) continue;
      int start = i;
      while (start > 0 && producedBy(out.get(start - 1), e)) start--;
      if (start < i) {
        out.remove(i);
        out.add(start, e);
      }
    }
    return out;
  }

  private static boolean producedBy(Event candidate, Event walk) {
    String k = candidate.kind();
    if (k.equals(EventKinds.NOTIFY)) return String.valueOf(EventAttrs.str(candidate, "device")).equals(EventAttrs.str(walk, "device"));
    return k.equals(EventKinds.HOST_MAP) || k.equals(EventKinds.HOST_UNMAP) || k.equals(EventKinds.HOST_ERROR);
  }

  /** How many (UNMAP notify, host unmap) pairs of one device start at {@code i}. */
  private static int unmapRun(List<Event> events, int i) {
    int n = 0;
    String device = null;
    for (int j = i; j + 1 < events.size(); j += 2) {
      Event notify = events.get(j);
      Event host = events.get(j + 1);
      if (!notify.kind().equals(EventKinds.NOTIFY) || !"UNMAP".equals(EventAttrs.str(notify, "type"))
          || !host.kind().equals(EventKinds.HOST_UNMAP)) {
        break;
      }
      String d = EventAttrs.str(notify, "device");
      if (device != null && !device.equals(d)) break;
      device = d;
      n++;
    }
    return n;
  }

  private static List<Shown> fold(List<Event> pairs) {
    Event first = pairs.get(0);
    Event last = pairs.get(pairs.size() - 2);
    Long from = EventAttrs.num(first, "iova");
    Long lastIova = EventAttrs.num(last, "iova");
    Long lastSize = EventAttrs.num(last, "size");
    long unmapped = 0;
    boolean allOk = true;
    for (int i = 1; i < pairs.size(); i += 2) {
      Long u = EventAttrs.num(pairs.get(i), "unmapped");
      if (u != null) unmapped += u;
      String result = EventAttrs.str(pairs.get(i), "result");
      if (!result.isEmpty() && !result.equals("ok")) allOk = false;
    }
    int n = pairs.size() / 2;
    String range = from == null || lastIova == null || lastSize == null ? ""
        : " over [" + Units.hex(from) + ", " + Units.hex(lastIova + lastSize) + ")";
    List<Shown> out = new ArrayList<>();
    out.add(new Shown(SWEEP, first, "notify " + EventAttrs.str(first, "device") + " UNMAP ×" + n + range
        + " (a sweep over aligned blocks)"));
    out.add(new Shown(SWEEP_HOST, pairs.get(1), "host unmap " + EventAttrs.str(pairs.get(1), "container") + " ×" + n
        + (allOk ? ": ok" : ": some failed (see run --trace)") + " (unmapped " + Units.formatSize(unmapped) + " in all)"));
    return out;
  }
}
