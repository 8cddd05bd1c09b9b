package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where one scenario's run on the model and its run on real QEMU differ, step by step (the runner's
 * {@code harness.step} markers; the final check is a step), read from the two runs' events:
 *
 * <ul>
 *   <li>host calls: the host.map / host.unmap calls of the step, with their results, as multisets (the
 *       order of calls within a step is not compared);
 *   <li>host mappings after the step, per assigned device, replayed from every successful call since
 *       the machine was built (so QEMU's boot-time RAM maps count as the identity map they stand for);
 *   <li>the oracle's verdict (the violation kinds of the step);
 *   <li>fault records: VT-d faults recorded (the model's vtd.fault, QEMU's FRCD read back) as
 *       source-id, reason and page;
 *   <li>DMA: each device access of the step, whether it moved or faulted.
 * </ul>
 *
 * Host calls made while the machine was built (before the first step) are not compared: they are each
 * backend's own setup (the model's identity map, QEMU's PAM-split RAM sections), and the state they
 * leave is compared at the first step.
 */
public final class BackendDiff {
  /** One aspect of one step that differs. */
  public record Difference(String aspect, List<String> modelOnly, List<String> qemuOnly) {}

  /** A step where the runs differ. */
  public record StepDiff(int index, String text, List<Difference> differences) {}

  /** The comparison of one scenario. */
  public record Result(String scenario, String model, String qemu, int steps, List<StepDiff> differing,
      String modelError, String qemuError) {
    public boolean agree() {
      return differing.isEmpty() && java.util.Objects.equals(modelError, qemuError);
    }
  }

  /** The strategy QEMU implements since 2018 (63b88968f1). */
  public static final String QEMU_STRATEGY = "iova-tree";

  private BackendDiff() {}

  /**
   * The model run a QEMU run of {@code s} is compared with: {@code s} on the model with QEMU's strategy,
   * the model preset of that QEMU version ({@link #presetFor}) and {@code machine.fidelity: qemu}, in the
   * translation mode of {@code s} (scalable mode and first stage, from its keys or its -sm preset).
   *
   * @param qemuMachine what ran on QEMU ({@code ScenarioResult.machine()}, e.g. "QEMU 11.1.3")
   */
  public static Scenario modelCounterpart(Scenario s, String qemuMachine) {
    List<String> set = new ArrayList<>(List.of("machine.backend=model", "machine.shadow-sync=" + QEMU_STRATEGY,
        "machine.preset=" + presetFor(qemuMachine), "machine.fidelity=qemu"));
    if (s.machine().scalableModeOrPreset()) {
      // the translation mode QEMU ran (scalable-mode=on, fsts=on), whether a key or a -sm preset chose it
      set.add("machine.scalable-mode=true");
      set.add("machine.flts=" + s.machine().fltsOrPreset());
    }
    return Overrides.apply(s, set);
  }

  /** "model (iova-tree, qemu-11.1, fidelity qemu)"; the registers' preset, so scalable mode shows as qemu-11.1-sm. */
  public static String label(Scenario model) {
    return "model (" + model.machine().shadowSyncOrDefault() + ", " + model.machine().registerPreset()
        + ", fidelity " + model.machine().fidelityOrDefault().text() + ")";
  }

  /**
   * The model preset of a QEMU version ("QEMU 11.1.3" → {@code qemu-11.1} when there is one), else the
   * model's QEMU preset of the highest version.
   */
  public static String presetFor(String qemuMachine) {
    String v = qemuMachine.startsWith("QEMU ") ? qemuMachine.substring(5) : qemuMachine;
    String[] parts = v.split("\\.");
    if (parts.length >= 2 && VtdConfig.QEMU_PRESETS.contains("qemu-" + parts[0] + "." + parts[1])) {
      return "qemu-" + parts[0] + "." + parts[1];
    }
    // a plain version preset: the translation mode (a -sm variant) is the scenario's, kept by modelCounterpart
    return VtdConfig.QEMU_PRESETS.stream().filter(p -> p.matches("qemu-\\d+\\.\\d+"))
        .max(Comparator.comparingInt(BackendDiff::version)).orElseThrow();
  }

  /** "qemu-11.1" → 1101. */
  private static int version(String preset) {
    String[] p = preset.substring("qemu-".length()).split("\\.");
    return Integer.parseInt(p[0]) * 100 + (p.length > 1 ? Integer.parseInt(p[1]) : 0);
  }

  /** Compares {@code model}'s run with {@code qemu}'s (both of one scenario, events fully retained). */
  public static Result compare(ScenarioResult model, ScenarioResult qemu, String modelLabel) {
    List<Step> a = steps(model.events());
    List<Step> b = steps(qemu.events());
    List<StepDiff> out = new ArrayList<>();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      Step x = i < a.size() ? a.get(i) : null;
      Step y = i < b.size() ? b.get(i) : null;
      List<Difference> d = new ArrayList<>();
      if (x == null || y == null) {
        d.add(new Difference("step", x == null ? List.of() : List.of(x.text), y == null ? List.of() : List.of(y.text)));
      } else {
        compare(d, "host calls", x.hostCalls, y.hostCalls);
        compare(d, "host mappings after the step", x.mappingsAfter, y.mappingsAfter);
        compare(d, "verdict", List.of(x.verdict), List.of(y.verdict));
        compare(d, "fault records", x.faults, y.faults);
        compare(d, "DMA", x.dma, y.dma);
      }
      if (!d.isEmpty()) out.add(new StepDiff(i, x != null ? x.text : y.text, d));
    }
    return new Result(model.scenario().name(), modelLabel, qemu.machine(), Math.max(a.size(), b.size()), out,
        model.error(), qemu.error());
  }

  private static void compare(List<Difference> out, String aspect, List<String> model, List<String> qemu) {
    List<String> onlyModel = new ArrayList<>(model);
    List<String> onlyQemu = new ArrayList<>();
    for (String s : qemu) {
      if (!onlyModel.remove(s)) onlyQemu.add(s);
    }
    if (!onlyModel.isEmpty() || !onlyQemu.isEmpty()) out.add(new Difference(aspect, onlyModel, onlyQemu));
  }

  /** What one step did, as comparable lines. */
  private static final class Step {
    final String text;
    final List<String> hostCalls = new ArrayList<>();
    final List<String> faults = new ArrayList<>();
    final List<String> dma = new ArrayList<>();
    List<String> mappingsAfter = List.of();
    String verdict = "ok";

    Step(String text) {
      this.text = text;
    }
  }

  private static List<Step> steps(List<Event> events) {
    List<Step> out = new ArrayList<>();
    Map<String, TreeMap<Long, String[]>> host = new LinkedHashMap<>(); // container → iova → {end, line}
    Step cur = null;
    for (Event e : events) {
      switch (e.type()) {
        case STEP -> {
          cur = new Step(EventAttrs.str(e, "text"));
          out.add(cur);
        }
        case VERDICT -> {
          if (cur != null) {
            String kinds = EventAttrs.str(e, "kinds");
            cur.verdict = kinds.isEmpty() ? "ok" : kinds;
            cur.mappingsAfter = mappings(host);
          }
        }
        case HOST_MAP -> {
          String c = EventAttrs.str(e, "container");
          long iova = EventAttrs.num(e, "iova");
          long size = EventAttrs.num(e, "size");
          String line = String.format("%s iova %s size %s -> gpa %s %s", c, Units.hex(iova), Units.formatSize(size),
              EventAttrs.hex(e, "gpa"), EventAttrs.perm(e));
          if (cur != null) cur.hostCalls.add("map " + line + ": " + EventAttrs.str(e, "result"));
          if ("ok".equals(EventAttrs.str(e, "result"))) {
            host.computeIfAbsent(c, k -> new TreeMap<>()).put(iova, new String[] {Long.toString(iova + size), line});
          }
        }
        case HOST_UNMAP -> {
          String c = EventAttrs.str(e, "container");
          long iova = EventAttrs.num(e, "iova");
          long size = EventAttrs.num(e, "size");
          if (cur != null) {
            cur.hostCalls.add(String.format("unmap %s iova %s size %s: %s (unmapped %s)", c, Units.hex(iova),
                Units.formatSize(size), EventAttrs.str(e, "result"), EventAttrs.size(e, "unmapped")));
          }
          if ("ok".equals(EventAttrs.str(e, "result"))) {
            TreeMap<Long, String[]> m = host.getOrDefault(c, new TreeMap<>());
            m.subMap(iova, true, iova + size - 1, true).clear();
          }
        }
        case FAULT -> {
          if (cur != null && EventAttrs.flag(e, "recorded")) {
            cur.faults.add(fault(EventAttrs.num(e, "sid"), EventAttrs.num(e, "reason"), EventAttrs.num(e, "addr")));
          }
        }
        case DMA_OK, DMA_FAULT -> {
          if (cur != null) {
            cur.dma.add(String.format("%s %s at %s: %s", EventAttrs.str(e, "device"), EventAttrs.str(e, "op"),
                EventAttrs.hex(e, "iova"), e.kind().equals(EventKinds.DMA_OK) ? "moved" : "faulted"));
          }
        }
        default -> {
          if (cur != null && e.kind().equals("qemu.fault")) {
            cur.faults.add(fault(EventAttrs.num(e, "sid"), EventAttrs.num(e, "reason"), EventAttrs.num(e, "iova")));
          }
        }
      }
    }
    return out;
  }

  private static String fault(Long sid, Long reason, Long addr) {
    return String.format("sid %s reason 0x%x page 0x%x", io.vtdsim.emu.spec.SourceId.of((int) (long) sid),
        reason, addr & ~Page.OFFSET_MASK);
  }

  private static List<String> mappings(Map<String, TreeMap<Long, String[]>> host) {
    List<String> out = new ArrayList<>();
    for (TreeMap<Long, String[]> m : host.values()) {
      for (String[] v : m.values()) out.add(v[1]);
    }
    return out;
  }

  /** The terminal report of one comparison. */
  public static String text(Result r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-6s %s: %s vs %s: ", r.agree() ? "same" : "DIFFER", r.scenario(), r.model(), r.qemu()));
    if (r.agree()) {
      sb.append("agree on every step (").append(r.steps()).append(" incl. the final check)\n");
    } else {
      sb.append(r.differing().size()).append(" of ").append(r.steps()).append(" steps differ\n");
    }
    if (!java.util.Objects.equals(r.modelError(), r.qemuError())) {
      sb.append("      model: ").append(r.modelError() == null ? "no error" : r.modelError()).append('\n');
      sb.append("      QEMU:  ").append(r.qemuError() == null ? "no error" : r.qemuError()).append('\n');
    }
    for (StepDiff s : r.differing()) {
      sb.append("      step ").append(s.index()).append(" (").append(s.text()).append("):\n");
      for (Difference d : s.differences()) {
        sb.append("        ").append(d.aspect()).append(":\n");
        for (String l : d.modelOnly()) sb.append("          model only: ").append(l).append('\n');
        for (String l : d.qemuOnly()) sb.append("          QEMU only:  ").append(l).append('\n');
      }
    }
    return sb.toString();
  }

  /** {@code diff --json}: {"scenarios":[{"name","model","qemu","agree","steps","differing":[...]}]}. */
  public static String json(List<Result> results) {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper()
        .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    var root = mapper.createObjectNode();
    var arr = root.putArray("scenarios");
    for (Result r : results) {
      var o = arr.addObject();
      o.put("name", r.scenario());
      o.put("model", r.model());
      o.put("qemu", r.qemu());
      o.put("agree", r.agree());
      o.put("steps", r.steps());
      if (r.modelError() != null) o.put("modelError", r.modelError());
      if (r.qemuError() != null) o.put("qemuError", r.qemuError());
      var ds = o.putArray("differing");
      for (StepDiff s : r.differing()) {
        var so = ds.addObject();
        so.put("index", s.index());
        so.put("text", s.text());
        var as = so.putArray("differences");
        for (Difference d : s.differences()) {
          var d0 = as.addObject();
          d0.put("aspect", d.aspect());
          var mo = d0.putArray("modelOnly");
          d.modelOnly().forEach(mo::add);
          var qo = d0.putArray("qemuOnly");
          d.qemuOnly().forEach(qo::add);
        }
      }
    }
    try {
      return mapper.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }
}
