package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code explain} narrative: the machine, then each step (the runner's {@code harness.step}
 * markers cut the event log into steps) with what the driver did, the MMIO exits, each descriptor
 * decoded, the shadow's walks and notifier events, the host calls, DMA and faults — and the oracle's
 * verdict for that step. Repeated identical register reads (status polls) are folded into one line.
 */
public final class Explanation {
  /** Event lines shown per step before the rest is summarized. */
  public static final int DEFAULT_LINES_PER_STEP = 120;

  private final EventText text;
  private final int linesPerStep;

  public Explanation(EventText text) {
    this(text, DEFAULT_LINES_PER_STEP);
  }

  public Explanation(EventText text, int linesPerStep) {
    this.text = text;
    this.linesPerStep = linesPerStep;
  }

  public String render(ScenarioResult r) {
    return render(r, 0, Integer.MAX_VALUE);
  }

  /**
   * As {@link #render(ScenarioResult)}, telling only steps {@code from} to {@code to} (inclusive, the
   * runner's indices as the headings show them); the set-up before step 0 only when {@code from} is 0.
   */
  public String render(ScenarioResult r, int from, int to) {
    Scenario s = r.scenario();
    StringBuilder sb = new StringBuilder();
    sb.append("Scenario ").append(s.name()).append('\n');
    if (!s.description().isBlank()) {
      for (String line : s.description().strip().split("\n")) sb.append("  ").append(line.strip()).append('\n');
    }
    sb.append("  machine: ").append(machine(s.machine())).append('\n');
    sb.append("  driver:  ").append(driver(s.driver())).append('\n');
    for (DeviceSpec d : s.devices()) {
      sb.append("  device:  ").append(d.id()).append(" at ").append(d.bdf()).append(", ").append(d.kind())
          .append(!d.assigned() ? " (DMA translated by the emulated VT-d unit)"
              : s.machine().shadowSyncOrDefault().equals("nested")
                  ? " (DMA through its nested HWPT: the guest's stage 1 on the VMM's stage 2)"
                  : " (DMA through the host IOMMU; the shadow must keep it exact)").append('\n');
    }
    sb.append('\n');

    List<Group> groups = groups(r.events());
    for (Group g : groups) {
      if (g.index() == null ? from > 0 : g.index() < from || g.index() > to) continue;
      sb.append(g.heading()).append('\n');
      appendEvents(sb, g.events(), s.machine().shadowSyncOrDefault().label());
      if (g.index() != null) appendVerdict(sb, r, g.index(), unrepaired(g.events()));
      sb.append('\n');
    }
    List<Violation> finalCheck = r.violations().stream().filter(v -> v.step() < 0).toList();
    if (!finalCheck.isEmpty()) {
      sb.append("Final check\n");
      for (Violation v : finalCheck) sb.append("  oracle: VIOLATION ").append(violation(v)).append('\n');
      sb.append('\n');
    }
    if (r.error() != null) sb.append("Setup error: ").append(r.error()).append('\n');
    Expect expected = s.effectiveExpect();
    sb.append("Result: ").append(r.outcome()).append(", expected ").append(expected.outcome());
    if (!expected.violations().isEmpty()) sb.append(" ").append(expected.violations());
    sb.append(r.met() ? " — as expected" : " — NOT as expected").append('\n');
    return sb.toString();
  }

  private record Group(Integer index, String heading, List<Event> events) {}

  private static List<Group> groups(List<Event> events) {
    List<Group> out = new ArrayList<>();
    Group current = new Group(null, "Setup", new ArrayList<>());
    for (Event e : events) {
      if (e.type() == EventKind.STEP) {
        if (current.index() != null || !current.events().isEmpty()) out.add(current);
        Long index = EventAttrs.num(e, "index");
        int i = index == null ? out.size() : index.intValue();
        current = new Group(i, "Step " + i + ": " + EventAttrs.str(e, "text"), new ArrayList<>());
      } else {
        current.events().add(e);
      }
    }
    if (current.index() != null || !current.events().isEmpty()) out.add(current);
    return out;
  }

  private void appendEvents(StringBuilder sb, List<Event> events, String strategy) {
    int shown = 0;
    int skipped = 0;
    String previous = null;
    int repeats = 0;
    for (StepNarrative.Shown e : StepNarrative.of(events, text, strategy)) {
      // the verdict is told from the violations below
      if (e.kind().equals(EventKinds.VERDICT) || e.kind().equals(EventKinds.UNREPAIRED)) continue;
      String line = role(e.kind()) + e.text();
      if (e.kind().equals(EventKinds.MMIO_READ) && line.equals(previous)) {
        repeats++;
        continue;
      }
      if (repeats > 0) {
        sb.append("      (same read ").append(repeats).append(" more time").append(repeats == 1 ? "" : "s")
            .append(": the driver polls until the status bit changes)\n");
        repeats = 0;
      }
      previous = line;
      if (shown >= linesPerStep) {
        skipped++;
        continue;
      }
      sb.append("    ").append(line).append('\n');
      shown++;
    }
    if (repeats > 0) sb.append("      (same read ").append(repeats).append(" more time").append(repeats == 1 ? "" : "s").append(")\n");
    if (skipped > 0) sb.append("    ... ").append(skipped).append(" more events (see run --trace)\n");
    if (events.isEmpty()) sb.append("    (no events)\n");
  }

  /** Who acts, as a column the reader can scan. */
  private static String role(String k) {
    if (k.equals(StepNarrative.IGNORED) || k.equals(StepNarrative.SWEEP)) return "shadow  ";
    if (k.equals(StepNarrative.WHY)) return "why     ";
    if (k.equals(StepNarrative.SWEEP_HOST)) return "host    ";
    if (k.equals(StepNarrative.GUEST_WRITES)) return "guest   ";
    if (k.startsWith("driver.") || k.equals(EventKinds.DMA_SG)) return "driver  ";
    if (k.startsWith("mmio.")) return "mmio    ";
    if (k.startsWith("vtd.")) return "vt-d    ";
    if (k.startsWith("shadow.")) return "shadow  ";
    if (k.startsWith("host.")) return "host    ";
    if (k.startsWith("dma.")) return "device  ";
    if (k.startsWith("oracle.")) return "oracle  ";
    return "        ";
  }

  /** The never-repaired list the runner emitted after the final check, or null. */
  private static String unrepaired(List<Event> events) {
    for (Event e : events) {
      if (e.kind().equals(EventKinds.UNREPAIRED)) return EventAttrs.str(e, "violations");
    }
    return null;
  }

  /**
   * The oracle's line for a step: its new violations; else "ok" while no violation was found so far;
   * else — violations are reported once, at the step that found them — that nothing new was found,
   * and after the final check which earlier ones were never repaired.
   */
  private static void appendVerdict(StringBuilder sb, ScenarioResult r, int index, String unrepaired) {
    List<Violation> vs = r.violations().stream().filter(v -> v.step() == index).toList();
    boolean earlier = r.violations().stream().anyMatch(v -> v.step() >= 0 && v.step() < index);
    if (unrepaired != null && vs.isEmpty()) {
      sb.append("  oracle: NOT ok — never repaired: ").append(unrepaired).append('\n');
    } else if (vs.isEmpty() && earlier && unrepaired == null && index == lastStep(r)) {
      sb.append("  oracle: ok now — what earlier steps found was repaired; the mappings equal the guest tables and the intent\n");
    } else if (vs.isEmpty() && earlier) {
      sb.append("  oracle: nothing new at this step (a violation is reported once, at the step that found it)\n");
    } else if (vs.isEmpty()) {
      sb.append("  oracle: ok — assigned-device host mappings equal the guest tables and the intent\n");
    } else {
      if (unrepaired != null) sb.append("  oracle: never repaired: ").append(unrepaired).append('\n');
      for (Violation v : vs) sb.append("  oracle: VIOLATION ").append(violation(v)).append('\n');
      if (r.scenario().machine().shadowSyncOrDefault() == ShadowStrategy.NESTED
          && vs.stream().anyMatch(v -> v.kind() == Violation.Kind.STALE_MAPPING)) {
        sb.append("  why: the host IOTLB still holds the translation: under nesting the host never walks the guest's"
            + " table again, and no forwarded invalidation covered the page the guest unmapped\n");
      }
    }
  }

  /** The index of the final check: the last step marker's. */
  private static int lastStep(ScenarioResult r) {
    int last = -1;
    for (Event e : r.events()) {
      if (e.kind().equals(EventKinds.STEP)) {
        Long i = EventAttrs.num(e, "index");
        if (i != null) last = i.intValue();
      }
    }
    return last;
  }

  static String violation(Violation v) {
    return v.kind() + (v.device().isEmpty() ? "" : " " + v.device())
        + (v.size() > 0 ? " iova " + Units.hex(v.iova()) + " size " + Units.formatSize(v.size()) : "")
        + (v.detail() == null || v.detail().isEmpty() ? "" : ": " + v.detail());
  }

  private static String machine(MachineSpec m) {
    StringBuilder sb = new StringBuilder(m.presetOrDefault()).append(", aw-bits ").append(m.awBitsOrDefault())
        .append(", RAM ").append(Units.formatSize(m.ramBytesOrDefault()));
    if (m.cachingMode() != null) sb.append(", caching-mode ").append(m.cachingMode());
    if (m.psi() != null) sb.append(", psi ").append(m.psi());
    if (m.mamv() != null) sb.append(", mamv ").append(m.mamv());
    if (m.superpages() != null) sb.append(", superpages ").append(m.superpages());
    if (m.queuedInvalidation() != null) sb.append(", queued-invalidation ").append(m.queuedInvalidation());
    if (m.negativeCaching() != null) sb.append(", negative-caching ").append(m.negativeCaching());
    if (m.fidelity() != null) sb.append(", fidelity ").append(m.fidelity().text());
    if (m.scalableMode() != null || m.flts() != null) {
      sb.append(m.scalableModeOrPreset() ? (m.fltsOrPreset() ? ", scalable mode, first-stage" : ", scalable mode")
          : ", legacy mode");
    }
    sb.append("; shadow ").append(m.shadowSyncOrDefault()).append(", host ").append(m.hostOrDefault());
    if (!m.backendOrDefault().equals(MachineSpec.DEFAULT_BACKEND)) {
      sb.append("; backend ").append(m.backendOrDefault()).append(" (its own shadow; see the qemu.start event)");
    }
    return sb.toString();
  }

  private static String driver(DriverSpec d) {
    return d.presetOrDefault() + ", flush " + d.flushOrDefault() + ", dma-mode " + d.dmaModeOrDefault();
  }
}
