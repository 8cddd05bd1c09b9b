package io.vtdsim.harness.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Units;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable result of {@code run --json}:
 * {@code {"scenarios":[{"name","outcome","met","violations":[{"kind","step","device","iova","size","detail"}],"counters":{...}}]}}.
 * {@code iova} is a hex string ("0x100000") so 64-bit addresses survive JSON readers that use doubles;
 * {@code size} is a number of bytes; {@code step} is the runner's 0-based step index (-1 for the final
 * check). A scenario whose machine could not be set up also has {@code "error"}.
 *
 * <p>Beyond that shape each scenario has {@code "staleWindows":[{"device","iova","size","fromStep",
 * "toStep","nanos"}]}: in lazy DMA mode, each IOVA range that stayed mapped in a host container while
 * queued for a lazy flush (tolerated, not a violation), from the first step after which it was seen
 * stale to the step after which it was gone, and for how long in simulated time ({@code nanos}); a
 * window still open at the end has {@code toStep} and {@code nanos} -1. Empty in strict mode.
 *
 * <p>A run on a scalable-mode unit ({@code machine.scalable-mode}, or an {@code -sm} preset) also has
 * {@code "scalableMode": true} and {@code "flts"} (whether it translates first-stage).
 *
 * <p>A run that was not on the model also has {@code "backend"} ({@code "qemu"}) and {@code "machine"}
 * (e.g. {@code "QEMU 11.1.3"}).
 */
public final class JsonReport {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private JsonReport() {}

  /**
   * The matrix as JSON: {@code {"runs":[{<configuration>, "outcome", "met", "violations":[...],
   * "counters":{...}}]}}, the configuration being every {@link MatrixTable#configColumns} column by
   * its name ({@code mamv} a number), the violations as in {@link #render}.
   */
  public static String matrix(List<MatrixCell> cells) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode runs = root.putArray("runs");
    List<String> cols = MatrixTable.configColumns(cells);
    for (MatrixCell c : cells) {
      ObjectNode o = runs.addObject();
      for (String col : cols) {
        if (col.equals("mamv")) {
          o.put(col, c.mamv());
        } else {
          o.put(col, MatrixTable.config(c, col));
        }
      }
      o.put("outcome", c.outcome());
      o.put("met", c.result().met());
      violations(o.putArray("violations"), c.result().violations());
      ObjectNode counters = o.putObject("counters");
      for (Map.Entry<String, Long> e : c.result().counters().entrySet()) counters.put(e.getKey(), e.getValue());
    }
    return write(root);
  }

  private static void violations(ArrayNode vs, List<Violation> list) {
    for (Violation v : list) {
      ObjectNode o = vs.addObject();
      o.put("kind", v.kind().label());
      o.put("step", v.step());
      o.put("device", v.device());
      o.put("iova", Units.hex(v.iova()));
      o.put("size", v.size());
      o.put("detail", v.detail());
    }
  }

  private static String write(ObjectNode root) {
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }

  public static String render(List<ScenarioResult> results) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode scenarios = root.putArray("scenarios");
    for (ScenarioResult r : results) {
      ObjectNode s = scenarios.addObject();
      s.put("name", r.scenario().name());
      s.put("outcome", r.outcome());
      s.put("met", r.met());
      violations(s.putArray("violations"), r.violations());
      ObjectNode counters = s.putObject("counters");
      for (Map.Entry<String, Long> c : r.counters().entrySet()) counters.put(c.getKey(), c.getValue());
      ArrayNode windows = s.putArray("staleWindows");
      for (StaleWindow w : r.lazyStaleWindows()) {
        ObjectNode o = windows.addObject();
        o.put("device", w.device());
        o.put("iova", Units.hex(w.iova()));
        o.put("size", w.size());
        o.put("fromStep", w.fromStep());
        o.put("toStep", w.toStep());
        o.put("nanos", w.nanos());
      }
      if (r.error() != null) s.put("error", r.error());
      if (r.scenario().machine().scalableModeOrPreset()) {
        s.put("scalableMode", true);
        s.put("flts", r.scenario().machine().fltsOrPreset());
      }
      if (!r.machine().equals(ScenarioResult.MODEL)) {
        s.put("backend", r.scenario().machine().backendOrDefault().label());
        s.put("machine", r.machine());
      }
    }
    return write(root);
  }
}
