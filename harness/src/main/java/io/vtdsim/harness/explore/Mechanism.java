package io.vtdsim.harness.explore;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How a violation came about, as far as a run's result tells: what {@code explore --continue} tells
 * findings apart by and what {@link Shrinker} keeps while it shrinks.
 *
 * @param kind the violation kind ({@link Violation#KINDS}, or {@link Shrinker#ERROR})
 * @param step the keyword of the step after which it first appeared ({@code map}, {@code detach},
 *     {@code advance}, ..., {@code final} for the final check)
 * @param lazy true when the affected range was an unmap waiting in the lazy flush queue: a lazy stale
 *     window of the same device over the range had opened at or before that step and had not closed
 *     before it (Linux iommu.strict=0; see {@link StaleWindow})
 * @param flush the driver's flush decisions during that step, sorted and joined by {@code +}, with
 *     {@code queue-} before those of a lazy flush-queue drain (e.g. {@code dsi}, {@code psi},
 *     {@code queue-dsi}, {@code none} when it flushed nothing); null when the run kept no events for
 *     that step (then it is not compared)
 */
public record Mechanism(String kind, String step, boolean lazy, String flush) {
  /** The step of a violation found by the final check. */
  public static final String FINAL = "final";
  /** What a step that flushed nothing gives as {@link #flush}. */
  public static final String NO_FLUSH = "none";
  /** Prefix of the flush decisions a lazy flush queue's drain made. */
  public static final String QUEUE = "queue-";

  /**
   * What {@code explore --continue} deduplicates findings by: kind, step keyword and the lazy flag, e.g.
   * {@code stale-mapping@advance+lazy} (the flush decisions are left out: exploration keeps no events).
   */
  public String key() {
    return kind + "@" + step + (lazy ? "+lazy" : "");
  }

  /** True when {@code other} has the same kind, step and lazy flag, and the same flush when both know it. */
  public boolean matches(Mechanism other) {
    return kind.equals(other.kind) && step.equals(other.step) && lazy == other.lazy
        && (flush == null || other.flush == null || flush.equals(other.flush));
  }

  /** The key, and the flush when known: {@code stale-mapping@detach (flush dsi)}. */
  @Override
  public String toString() {
    return key() + (flush == null ? "" : " (flush " + flush + ")");
  }

  /** The mechanism of one violation of {@code r}. */
  public static Mechanism of(ScenarioResult r, Violation v) {
    return of(v, r.lazyStaleWindows(), flushesByStep(r.events()));
  }

  /** The mechanism of a run that ended in an error: kind {@link Shrinker#ERROR}, at the step the error names. */
  public static Mechanism ofError(ScenarioResult r) {
    String error = r.error() == null ? "" : r.error();
    String step = "unknown";
    if (error.startsWith("step ")) {
      int quote = error.indexOf('\'');
      if (quote >= 0) step = keyword(error.substring(quote + 1));
    }
    return new Mechanism(Shrinker.ERROR, step, false, null);
  }

  /**
   * The distinct mechanisms of {@code r}'s violations (first occurrence of each, in order of
   * appearance), or that of its error; empty for a pass.
   */
  public static List<Mechanism> all(ScenarioResult r) {
    if (ScenarioResult.ERROR.equals(r.outcome())) return List.of(ofError(r));
    Map<Integer, String> flushes = flushesByStep(r.events());
    Map<Mechanism, Boolean> out = new LinkedHashMap<>();
    for (Violation v : r.violations()) out.putIfAbsent(of(v, r.lazyStaleWindows(), flushes), true);
    return List.copyOf(out.keySet());
  }

  private static Mechanism of(Violation v, List<StaleWindow> windows, Map<Integer, String> flushes) {
    String step = v.stepText().startsWith(ScenarioRunner.FINAL_CHECK) ? FINAL : keyword(v.stepText());
    return new Mechanism(v.kind().label(), step, inLazyWindow(v, windows), flushes.get(v.step()));
  }

  /** The step keyword: the first word of {@code Step.describe()}. */
  static String keyword(String stepText) {
    int space = stepText.indexOf(' ');
    String word = space < 0 ? stepText : stepText.substring(0, space);
    return word.isEmpty() ? "?" : word;
  }

  private static boolean inLazyWindow(Violation v, List<StaleWindow> windows) {
    if (v.size() <= 0) return false;
    long end = v.iova() + v.size();
    for (StaleWindow w : windows) {
      if (!w.device().equals(v.device()) || w.fromStep() > v.step()) continue;
      if (w.toStep() >= 0 && w.toStep() < v.step()) continue;
      if (w.iova() < end && v.iova() < w.iova() + w.size()) return true;
    }
    return false;
  }

  /** The flush decisions per step index, for the steps whose {@code harness.step} event was retained. */
  static Map<Integer, String> flushesByStep(List<Event> events) {
    Map<Integer, TreeSet<String>> byStep = new LinkedHashMap<>();
    TreeSet<String> current = null;
    for (Event e : events) {
      if (e.body() instanceof EventBody.Step s) {
        current = new TreeSet<>();
        byStep.put(s.index(), current);
      } else if (current != null && e.body() instanceof EventBody.DriverFlush f) {
        current.add(fromFlushQueue(f.reason()) ? QUEUE + f.decision() : f.decision());
      }
    }
    Map<Integer, String> out = new LinkedHashMap<>();
    byStep.forEach((i, set) -> out.put(i, set.isEmpty() ? NO_FLUSH : String.join("+", new ArrayList<>(set))));
    return out;
  }

  /**
   * The reasons {@code io.vtdsim.driver.dma.LazyUnmaps} gives a deferred flush-all (Linux's flush queue,
   * fq_flush_timeout). The 4.10 era's per-entry PSIs are the policy's plain range flushes: they count as
   * the step's own ({@link #lazy} still tells).
   */
  private static boolean fromFlushQueue(String reason) {
    return reason.contains("flush queue") || reason.startsWith("deferred flush");
  }
}
