package io.vtdsim.harness.explore;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Shrinks a scenario whose run shows a violation to a small one that still shows a violation of the
 * same {@link Mechanism} (kind, the keyword of the step it appears at, whether the range waited in the
 * lazy flush queue, and the driver's flush decisions at that step) — or, with {@link #shrink(Scenario,
 * String)}, of the same kind only: delta debugging over the step list (remove halves, quarters, ... then single steps),
 * then halving of map, buffer and DMA sizes, then dropping devices no step names. Every candidate is
 * first replayed through the {@link ScenarioModel}, which drops steps that lost what they depend on (a
 * dma-unmap whose dma-map was removed, a map in a domain no attach names any more) and corrects DMA
 * expectations; only candidates that got smaller are run. At most {@code maxRuns} runs; deterministic.
 */
public final class Shrinker {
  /** The pseudo-kind for runs that end in a harness error rather than a violation. */
  public static final String ERROR = ScenarioResult.ERROR;
  public static final int DEFAULT_MAX_RUNS = 300;

  private final Function<Scenario, ScenarioResult> runner;
  private final int maxRuns;

  /**
   * @param runner runs one scenario (e.g. {@code s -> new ScenarioRunner().run(s)})
   * @param maxRuns the most scenario runs one {@link #shrink} may spend
   */
  public Shrinker(Function<Scenario, ScenarioResult> runner, int maxRuns) {
    if (maxRuns < 1) throw new IllegalArgumentException("maxRuns must be ≥ 1: " + maxRuns);
    this.runner = runner;
    this.maxRuns = maxRuns;
  }

  /**
   * What shrinking gave.
   *
   * @param scenario the smallest scenario found, expecting a violation of {@code kind}
   * @param kind the violation kind kept (or {@link #ERROR})
   * @param mechanism the mechanism kept (its flush as the first run showed it), or null when only the kind was kept
   * @param originalSteps steps before (repeats unrolled)
   * @param runs scenario runs spent
   * @param result the run of {@code scenario}
   */
  public record Result(Scenario scenario, String kind, Mechanism mechanism, int originalSteps, int runs,
      ScenarioResult result) {}

  /**
   * Shrinks keeping the mechanism of the first violation {@code failing} shows (for a run that ended in
   * an error: the error).
   */
  public Result shrink(Scenario scenario, ScenarioResult failing) {
    if (ScenarioResult.ERROR.equals(failing.outcome())) return shrink(scenario, ERROR);
    if (failing.violations().isEmpty()) {
      throw new IllegalArgumentException("the run of " + scenario.name() + " shows no violation to keep");
    }
    return shrink(scenario, Mechanism.of(failing, failing.violations().get(0)));
  }

  /**
   * Shrinks keeping at least one violation of {@code mechanism}; when its flush is unknown (a run that
   * kept no events) it is taken from this shrinker's first run of {@code scenario}.
   */
  public Result shrink(Scenario scenario, Mechanism mechanism) {
    if (mechanism.kind().equals(ERROR)) return shrink(scenario, ERROR);
    return new Search(scenario, mechanism.kind(), mechanism).run();
  }

  /** Shrinks keeping at least one violation of {@code kind} ({@link #ERROR}: a run that ends in an error). */
  public Result shrink(Scenario scenario, String kind) {
    return new Search(scenario, kind, null).run();
  }

  /** Shrinks keeping at least one violation of {@code kind}. */
  public Result shrink(Scenario scenario, Violation.Kind kind) {
    return shrink(scenario, kind.label());
  }

  /** One shrink: the best scenario so far and the runs spent. */
  private final class Search {
    private final String kind;
    private Mechanism mechanism;
    private final int originalSteps;
    private Scenario best;
    private ScenarioResult bestResult;
    private int runs;

    Search(Scenario scenario, String kind, Mechanism mechanism) {
      this.kind = kind;
      this.mechanism = mechanism;
      List<Step> flat = flatten(scenario.steps());
      this.originalSteps = flat.size();
      this.best = withSteps(scenario, flat);
    }

    Result run() {
      bestResult = runner.apply(best);
      runs++;
      if (!shows(bestResult)) {
        throw new IllegalArgumentException("the scenario " + best.name() + " does not show "
            + (mechanism != null ? mechanism : kind));
      }
      if (mechanism != null && mechanism.flush() == null) {
        // pin the flush decisions as this runner sees them (the caller's run may have kept no events)
        mechanism = Mechanism.all(bestResult).stream().filter(mechanism::matches).findFirst().orElse(mechanism);
      }
      List<Step> replayed = ScenarioModel.replay(best, best.steps()).steps();
      if (!replayed.equals(best.steps())) tryCandidate(replayed);
      boolean changed = true;
      while (changed && budgetLeft()) {
        removeChunks();
        changed = simplifySizes();
      }
      dropUnusedDevices();
      return new Result(finish(), kind, mechanism, originalSteps, runs, bestResult);
    }

    private boolean budgetLeft() {
      return runs < maxRuns;
    }

    /** ddmin's complement phase: remove chunks of size/n, refining n until single steps. */
    private void removeChunks() {
      int n = 2;
      while (best.steps().size() >= 2 && budgetLeft()) {
        List<Step> steps = best.steps();
        int chunk = (steps.size() + n - 1) / n;
        boolean progress = false;
        for (int start = 0; start < steps.size() && budgetLeft(); start += chunk) {
          List<Step> candidate = new ArrayList<>(steps.subList(0, start));
          candidate.addAll(steps.subList(Math.min(steps.size(), start + chunk), steps.size()));
          if (tryCandidate(candidate)) {
            progress = true;
            break;
          }
        }
        if (progress) {
          n = Math.max(2, n - 1);
        } else if (chunk == 1) {
          return;
        } else {
          n = Math.min(best.steps().size(), n * 2);
        }
      }
    }

    /** Halves map, buffer and DMA sizes while the violation stays; true when something changed. */
    private boolean simplifySizes() {
      boolean changed = false;
      for (int i = 0; i < best.steps().size() && budgetLeft(); i++) {
        while (budgetLeft() && i < best.steps().size()) {
          Step smaller = halved(best.steps().get(i));
          if (smaller == null) break;
          List<Step> candidate = new ArrayList<>(best.steps());
          candidate.set(i, smaller);
          if (!tryCandidate(candidate)) break;
          changed = true;
        }
      }
      return changed;
    }

    private void dropUnusedDevices() {
      for (DeviceSpec d : best.devices()) {
        if (!budgetLeft() || best.devices().size() == 1 || named(d.id())) continue;
        List<DeviceSpec> fewer = new ArrayList<>(best.devices());
        fewer.remove(d);
        Scenario candidate = new Scenario(best.name(), best.description(), best.machine(), best.driver(), fewer,
            best.steps(), best.expect(), best.source());
        ScenarioResult r = runner.apply(candidate);
        runs++;
        if (shows(r)) {
          best = candidate;
          bestResult = r;
          dropUnusedDevices();
          return;
        }
      }
    }

    private boolean named(String device) {
      for (Step s : best.steps()) {
        if (s instanceof Step.Attach a && a.device().equals(device)) return true;
        if (s instanceof Step.Detach d && d.device().equals(device)) return true;
        if (s instanceof Step.DmaMap m && m.device().equals(device)) return true;
        if (s instanceof Step.DmaMapSg m && m.device().equals(device)) return true;
        if (s instanceof Step.Dma d && d.device().equals(device)) return true;
      }
      return false;
    }

    /** Replays the candidate through the model; runs it when it is smaller or simpler; keeps it when it still shows the kind. */
    private boolean tryCandidate(List<Step> steps) {
      List<Step> replayed = ScenarioModel.replay(best, steps).steps();
      if (replayed.isEmpty() || replayed.equals(best.steps()) || replayed.size() > best.steps().size()) return false;
      Scenario candidate = withSteps(best, replayed);
      ScenarioResult r = runner.apply(candidate);
      runs++;
      if (!shows(r)) return false;
      best = candidate;
      bestResult = r;
      return true;
    }

    private boolean shows(ScenarioResult r) {
      if (kind.equals(ERROR)) return ScenarioResult.ERROR.equals(r.outcome());
      if (mechanism == null) return r.violations().stream().anyMatch(v -> v.kind().label().equals(kind));
      return r.violations().stream().anyMatch(v -> v.kind().label().equals(kind))
          && Mechanism.all(r).stream().anyMatch(mechanism::matches);
    }

    private Scenario finish() {
      String description = "Shrunk by vtdsim explore from " + best.name() + " (" + originalSteps + " steps → "
          + best.steps().size() + ", " + runs + " runs); shows " + (mechanism != null ? mechanism : kind) + ".";
      Expect expect = kind.equals(ERROR) ? Expect.PASSES : new Expect(Expect.VIOLATION, List.of(Violation.Kind.of(kind)));
      return new Scenario(best.name() + "-shrunk", description, best.machine(), best.driver(), best.devices(),
          best.steps(), expect, best.source());
    }
  }

  /**
   * The step with its size halved (page-granular for maps; a scatter list loses its last segment), or
   * null when it has nothing to halve.
   */
  static Step halved(Step s) {
    if (s instanceof Step.MapRange m && m.size() > ScenarioModel.PAGE) {
      long half = (m.size() / 2) & -ScenarioModel.PAGE;
      return new Step.MapRange(m.line(), m.domain(), m.iova(), m.gpa(), half, m.perm());
    }
    if (s instanceof Step.UnmapRange u && u.size() > ScenarioModel.PAGE) {
      return new Step.UnmapRange(u.line(), u.domain(), u.iova(), (u.size() / 2) & -ScenarioModel.PAGE);
    }
    if (s instanceof Step.DmaMap m && m.size() > 1) {
      return new Step.DmaMap(m.line(), m.device(), m.gpa(), m.size() / 2, m.dir(), m.as());
    }
    if (s instanceof Step.DmaMapSg m && m.segments().size() > 1) {
      return new Step.DmaMapSg(m.line(), m.device(), m.segments().subList(0, m.segments().size() - 1), m.dir(), m.as(),
          m.maxSegmentSize(), m.segmentBoundary());
    }
    if (s instanceof Step.Dma d && d.len() > 1) {
      return new Step.Dma(d.line(), d.device(), d.at(), d.iova(), d.op(), d.len() / 2, d.expect());
    }
    return null;
  }

  private static List<Step> flatten(List<Step> steps) {
    List<Step> out = new ArrayList<>();
    for (Step s : steps) {
      if (s instanceof Step.Repeat r) {
        for (int i = 0; i < r.times(); i++) out.addAll(flatten(r.steps()));
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private static Scenario withSteps(Scenario s, List<Step> steps) {
    return new Scenario(s.name(), s.description(), s.machine(), s.driver(), s.devices(), steps, s.expect(), s.source());
  }
}
