package io.vtdsim.harness.explore;

import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DriverSpec;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.MachineSpec;
import io.vtdsim.harness.testbed.Superpage;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Step;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders a {@link Scenario} as scenario YAML in the README's format (one flow map per step), so that
 * {@code ScenarioLoader.parse(write(s), ...)} gives back an equivalent scenario (equal but for step
 * line numbers and the source name). Keys left null in the model (preset defaults) are left out.
 */
public final class ScenarioWriter {
  /** Scalars written without quotes: identifiers that YAML reads back as the same string. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z][A-Za-z0-9._/-]*");
  /** YAML 1.1 words a plain scalar would turn into booleans or null. */
  private static final Set<String> RESERVED = Set.of("y", "n", "yes", "no", "on", "off", "true", "false", "null");

  /** The scenario as YAML text, ending with a newline. */
  public String write(Scenario s) {
    StringBuilder out = new StringBuilder();
    out.append("name: ").append(scalar(s.name())).append('\n');
    if (!s.description().isEmpty()) out.append("description: ").append(text(s.description(), "  ")).append('\n');
    machine(out, s.machine());
    driver(out, s.driver());
    if (!s.devices().isEmpty()) {
      out.append("devices:\n");
      for (DeviceSpec d : s.devices()) {
        out.append("  - { id: ").append(scalar(d.id())).append(", bdf: \"").append(d.bdf()).append("\", kind: ")
            .append(d.kind()).append(d.group() != null ? ", group: \"" + d.group() + "\"" : "").append(" }\n");
      }
    }
    out.append("steps:\n");
    steps(out, s.steps(), "  ");
    expect(out, s.expect());
    return out.toString();
  }

  private static void machine(StringBuilder out, MachineSpec m) {
    List<String> lines = new ArrayList<>();
    if (m.preset() != null) lines.add("preset: " + m.preset());
    if (m.ramBytes() != null) lines.add("ram: " + Units.formatSize(m.ramBytes()));
    if (m.cachingMode() != null) lines.add("caching-mode: " + m.cachingMode());
    if (m.awBits() != null) lines.add("aw-bits: " + m.awBits());
    if (m.psi() != null) lines.add("psi: " + m.psi());
    if (m.mamv() != null) lines.add("mamv: " + m.mamv());
    if (m.superpages() != null) lines.add("superpages: [" + String.join(", ", m.superpages().stream().map(Superpage::label).toList()) + "]");
    if (m.queuedInvalidation() != null) lines.add("queued-invalidation: " + m.queuedInvalidation());
    if (m.negativeCaching() != null) lines.add("negative-caching: " + m.negativeCaching());
    if (m.shadowSync() != null) lines.add("shadow-sync: " + m.shadowSync());
    if (m.host() != null) lines.add("host: " + m.host());
    if (m.hostMappingLimit() != null) lines.add("host-mapping-limit: " + m.hostMappingLimit());
    if (m.backend() != null) lines.add("backend: " + m.backend());
    if (m.fidelity() != null) lines.add("fidelity: " + m.fidelity().text());
    if (m.queue() != null) lines.add("queue: " + m.queue().name().toLowerCase(java.util.Locale.ROOT));
    if (m.scalableMode() != null) lines.add("scalable-mode: " + m.scalableMode());
    if (m.flts() != null) lines.add("flts: " + m.flts());
    block(out, "machine", lines);
  }

  private static void driver(StringBuilder out, DriverSpec d) {
    List<String> lines = new ArrayList<>();
    if (d.preset() != null) lines.add("preset: " + d.preset());
    if (d.flush() != null) lines.add("flush: " + d.flush());
    if (d.dmaMode() != null) lines.add("dma-mode: " + d.dmaMode());
    if (d.waitBound() != null) lines.add("wait-bound: " + d.waitBound());
    block(out, "driver", lines);
  }

  private static void block(StringBuilder out, String key, List<String> lines) {
    if (lines.isEmpty()) return;
    out.append(key).append(":\n");
    for (String l : lines) out.append("  ").append(l).append('\n');
  }

  private static void expect(StringBuilder out, Expect e) {
    out.append("expect:\n  outcome: ").append(e.outcome()).append('\n');
    if (!e.violations().isEmpty()) out.append("  violations: [").append(String.join(", ", e.violations())).append("]\n");
    if (e.perStrategy().isEmpty()) return;
    out.append("  per-strategy:\n");
    for (java.util.Map.Entry<String, Expect> s : e.perStrategy().entrySet()) {
      Expect x = s.getValue();
      out.append("    ").append(s.getKey()).append(": { outcome: ").append(x.outcome());
      if (!x.violations().isEmpty()) out.append(", violations: [").append(String.join(", ", x.violations())).append("]");
      out.append(" }\n");
    }
  }

  private static void steps(StringBuilder out, List<Step> steps, String indent) {
    for (Step step : steps) {
      if (step instanceof Step.Repeat r) {
        out.append(indent).append("- repeat:\n");
        out.append(indent).append("    times: ").append(r.times()).append('\n');
        out.append(indent).append("    steps:\n");
        steps(out, r.steps(), indent + "      ");
      } else {
        out.append(indent).append("- ").append(step(step)).append('\n');
      }
    }
  }

  /** One step in flow style, e.g. {@code map: { domain: d1, iova: 0x100000, ... }}. */
  static String step(Step step) {
    if (step instanceof Step.Boot) return "boot";
    if (step instanceof Step.Shutdown) return "shutdown";
    if (step instanceof Step.Attach a) return "attach: { device: " + scalar(a.device()) + ", domain: " + scalar(a.domain()) + " }";
    if (step instanceof Step.Detach d) return "detach: { device: " + scalar(d.device()) + " }";
    if (step instanceof Step.MapRange m) {
      return "map: { domain: " + scalar(m.domain()) + ", iova: " + Units.hex(m.iova()) + ", gpa: " + Units.hex(m.gpa())
          + ", size: " + Units.formatSize(m.size()) + ", perm: " + m.perm() + " }";
    }
    if (step instanceof Step.UnmapRange u) {
      return "unmap: { domain: " + scalar(u.domain()) + ", iova: " + Units.hex(u.iova()) + ", size: "
          + Units.formatSize(u.size()) + " }";
    }
    if (step instanceof Step.DmaMap m) {
      return "dma-map: { device: " + scalar(m.device()) + ", gpa: " + Units.hex(m.gpa()) + ", size: "
          + Units.formatSize(m.size()) + ", dir: " + m.dir() + (m.as() != null ? ", as: " + scalar(m.as()) : "") + " }";
    }
    if (step instanceof Step.DmaMapSg m) {
      StringBuilder sb = new StringBuilder("dma-map-sg: { device: " + scalar(m.device()) + ", segments: [");
      for (int i = 0; i < m.segments().size(); i++) {
        Step.SgSegment s = m.segments().get(i);
        sb.append(i == 0 ? "" : ", ").append("{ gpa: ").append(Units.hex(s.gpa())).append(", size: ")
            .append(Units.formatSize(s.size())).append(" }");
      }
      sb.append("], dir: ").append(m.dir());
      if (m.maxSegmentSize() != null) sb.append(", max-segment-size: ").append(Units.formatSize(m.maxSegmentSize()));
      if (m.segmentBoundary() != null) sb.append(", segment-boundary: ").append(Units.formatSize(m.segmentBoundary()));
      return sb.append(m.as() != null ? ", as: " + scalar(m.as()) : "").append(" }").toString();
    }
    if (step instanceof Step.DmaUnmap u) return "dma-unmap: { handle: " + scalar(u.handle()) + " }";
    if (step instanceof Step.Dma d) {
      return "dma: { device: " + scalar(d.device()) + ", "
          + (d.at() != null ? "at: " + scalar(d.at()) : "iova: " + Units.hex(d.iova()))
          + ", op: " + d.op() + ", len: " + d.len() + ", expect: " + d.expect() + " }";
    }
    if (step instanceof Step.Advance a) return "advance: " + Units.formatDuration(a.nanos());
    throw new IllegalArgumentException("cannot write step " + step);
  }

  /** A scalar: plain when YAML reads it back unchanged, else double-quoted. */
  static String scalar(String s) {
    if (PLAIN.matcher(s).matches() && !RESERVED.contains(s.toLowerCase(java.util.Locale.ROOT))) return s;
    return quoted(s);
  }

  /** Free text: a literal block ({@code |}) for multi-line text that allows it, else a quoted scalar. */
  private static String text(String s, String indent) {
    if (s.indexOf('\n') >= 0 && literalBlockFits(s)) {
      boolean newlineEnd = s.endsWith("\n");
      String body = newlineEnd ? s.substring(0, s.length() - 1) : s;
      StringBuilder b = new StringBuilder(newlineEnd ? "|" : "|-");
      for (String line : body.split("\n", -1)) {
        b.append('\n');
        if (!line.isEmpty()) b.append(indent).append(line);
      }
      return b.toString();
    }
    return scalar(s);
  }

  /** A literal block keeps the text exactly when it has no CR/tab, starts on a non-blank line and ends with at most one newline. */
  private static boolean literalBlockFits(String s) {
    if (s.contains("\r") || s.contains("\t") || s.endsWith("\n\n")) return false;
    if (s.isEmpty() || Character.isWhitespace(s.charAt(0))) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\n') return false;
    }
    for (String line : s.split("\n")) {
      if (!line.isEmpty() && line.isBlank()) return false; // whitespace-only lines are folded by the YAML reader
    }
    return true;
  }

  private static String quoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\x%02x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }
}
