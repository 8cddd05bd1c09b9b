package io.vtdsim.harness.scenario;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DmaLimits;
import io.vtdsim.driver.DriverException;
import io.vtdsim.driver.DriverTimeoutException;
import io.vtdsim.driver.QueueErrorException;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.SgMapping;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.harness.machine.MachineCrashedException;
import io.vtdsim.harness.machine.MachineException;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.testbed.TestBed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a {@link Scenario} on a {@link TestBed}: each executed step (repeats unrolled) is announced
 * with a {@code harness.step {index, text}} event, carried out through the TestBed, then checked by
 * the oracle and closed with a {@code harness.verdict {index, violations}} event. After the last step
 * the oracle compares everything once more ("final check", reported as one more step index).
 *
 * <p>Driver timeouts end the run with a {@code driver-timeout} violation; queue errors are
 * {@code queue-error} violations. A setup failure or an impossible step (API misuse, unknown handle,
 * a GPA in the driver's table pool) ends the run with {@code outcome = "error"} and the message.
 *
 * <p>A machine that dies under the guest's input (real QEMU exiting mid-scenario) ends the run with
 * {@code outcome = "emulator-crash"} — a finding about the machine. A machine that cannot be started
 * or stops answering is no verdict at all: its {@link MachineException} propagates (the CLI exits 2).
 *
 * <p>A run longer than {@link RunOptions#timeoutNanos} (wall clock, checked before each step) stops
 * with {@code outcome = "timeout"}, without the final check.
 */
public final class ScenarioRunner {
  public static final String EV_STEP = EventKind.STEP.label();
  public static final String EV_VERDICT = EventKind.VERDICT.label();
  /**
   * After the final check's verdict, when violations a step reported (once) are still there:
   * {@code {index, violations}} ("stale-mapping at step 5 (nic iova 0x100000000 size 2GiB); ...").
   */
  public static final String EV_UNREPAIRED = "harness.unrepaired";
  public static final String FINAL_CHECK = "final check";

  public ScenarioResult run(Scenario s) {
    return run(s, RunOptions.defaults());
  }

  public ScenarioResult run(Scenario s, RunOptions o) {
    long start = System.nanoTime();
    TestBed bed;
    try {
      bed = TestBed.fromScenario(s, o.eventRetention());
    } catch (MachineException e) {
      throw e;
    } catch (RuntimeException e) {
      return new ScenarioResult(s, ScenarioResult.ERROR, false, List.of(), zeroCounters(), List.of(),
          "setup: " + message(e));
    }
    try (bed) {
      return new Run(s, o, bed, start).execute();
    }
  }

  /**
   * Runs {@code s}'s steps on {@code bed}, which must be the machine {@code s} describes ({@link
   * TestBed#fromScenario}) with nothing done on it yet; the caller keeps and closes it.
   */
  public ScenarioResult run(Scenario s, RunOptions o, TestBed bed) {
    return new Run(s, o, bed, System.nanoTime()).execute();
  }

  private static Map<String, Long> zeroCounters() {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    for (String n : Counters.NAMES) m.put(n, 0L);
    return m;
  }

  private static String message(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** The device's scatter-gather limits a {@code dma-map-sg} step gives, PCI's defaults for those it omits. */
  public static DmaLimits limits(Step.DmaMapSg sg) {
    return new DmaLimits(sg.maxSegmentSize() != null ? sg.maxSegmentSize() : DmaLimits.PCI_DEFAULT.maxSegmentSize(),
        sg.segmentBoundary() != null ? sg.segmentBoundary() - 1 : DmaLimits.PCI_DEFAULT.segmentBoundaryMask());
  }

  /**
   * A dma-map's buffer, a dma-map-sg's list ({@code sg} set) or one segment of it; stays known after its
   * unmap so that later steps can DMA to the dead IOVA.
   */
  private static final class Handle {
    final String device;
    final long iova;
    final long size;
    final Direction dir;
    final SgMapping sg;
    boolean unmapped;

    Handle(String device, long iova, long size, Direction dir) {
      this(device, iova, size, dir, null);
    }

    Handle(String device, long iova, long size, Direction dir, SgMapping sg) {
      this.device = device;
      this.iova = iova;
      this.size = size;
      this.dir = dir;
      this.sg = sg;
    }
  }

  /** One run's state. */
  private static final class Run {
    private final Scenario scenario;
    private final RunOptions options;
    private final TestBed bed;
    private final EventLog log;
    private final Map<String, Handle> handles = new HashMap<>();
    private final List<Violation> violations = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();
    /** Per mapping-state kind and device, the IOVA ranges already reported (start → end, disjoint). */
    private final Map<String, java.util.TreeMap<Long, Long>> reportedRanges = new HashMap<>();
    private static final Set<Violation.Kind> MAPPING_STATE = Set.of(Violation.STALE_MAPPING,
        Violation.MISSING_MAPPING, Violation.WRONG_TARGET, Violation.WRONG_PERMISSION);
    private long dropped;
    private int index;
    private String error;
    private boolean crashed;
    private boolean stopped;
    private final long start;
    private boolean timedOut;

    Run(Scenario scenario, RunOptions options, TestBed bed, long start) {
      this.start = start;
      this.scenario = scenario;
      this.options = options;
      this.bed = bed;
      this.log = bed.log();
    }

    ScenarioResult execute() {
      steps(scenario.steps());
      if (error == null && !timedOut) {
        String text = FINAL_CHECK + " (full)";
        announce(text, 0);
        int before = violations.size();
        List<String> unrepaired = new ArrayList<>();
        try {
          List<Violation> last = bed.oracle().check(index, text, true);
          // what a step reported and the full check still finds: never repaired (reported once, so not again)
          for (Violation v : violations) {
            if (MAPPING_STATE.contains(v.kind()) && last.stream().anyMatch(f -> key(f).equals(key(v)))) {
              unrepaired.add(v.kind() + " at step " + v.step() + " (" + v.device() + " iova 0x" + Long.toHexString(v.iova())
                  + " size " + Units.formatSize(v.size()) + ")");
            }
          }
          add(last, true);
        } catch (MachineCrashedException e) {
          error = FINAL_CHECK + ": " + bed.machine().version() + " died: " + message(e);
          crashed = true;
        }
        verdict(before);
        if (!unrepaired.isEmpty()) {
          log.emit(EV_UNREPAIRED, "oracle", "never repaired: " + String.join("; ", unrepaired),
              Attrs.of("index", index, "violations", String.join("; ", unrepaired)));
        }
      }
      if (dropped > 0) {
        Violation last = violations.remove(violations.size() - 1);
        violations.add(new Violation(last.kind(), last.step(), last.stepText(), last.device(), last.iova(),
            last.size(), last.detail() + " (and " + dropped + " more violations not kept)"));
      }
      String outcome = crashed ? ScenarioResult.EMULATOR_CRASH : timedOut ? ScenarioResult.TIMEOUT
          : error != null ? ScenarioResult.ERROR
          : violations.isEmpty() ? ScenarioResult.PASS : ScenarioResult.VIOLATION;
      return new ScenarioResult(scenario, outcome, met(outcome), violations, bed.counters().snapshot(),
          log.events(), error, bed.oracle().staleWindows(), bed.machine().version());
    }

    private boolean met(String outcome) {
      if (error != null) return false; // an error or a timeout
      List<Violation.Kind> kinds = violations.stream().map(Violation::kind).distinct().toList();
      return scenario.effectiveExpect().isMetBy(outcome, kinds);
    }

    private void steps(List<Step> steps) {
      for (Step step : steps) {
        if (stopped) return;
        if (step instanceof Step.Repeat r) {
          for (int i = 0; i < r.times() && !stopped; i++) steps(r.steps());
        } else {
          one(step);
        }
      }
    }

    private void one(Step step) {
      long elapsed = System.nanoTime() - start;
      if (options.timeoutNanos() > 0 && elapsed > options.timeoutNanos()) {
        timedOut = true;
        stopped = true;
        error = String.format("timeout: the run took longer than %s; stopped before step %d (%s)",
            Units.formatDuration(options.timeoutNanos()), index, step.describe());
        return;
      }
      String text = step.describe();
      announce(text, step.line());
      int before = violations.size();
      List<Violation> found = new ArrayList<>();
      boolean queueException = false;
      try {
        found.addAll(perform(step));
      } catch (DriverTimeoutException e) {
        found.add(new Violation(Violation.DRIVER_TIMEOUT, index, text, deviceOf(step), 0, 0,
            "the driver gave up waiting: " + message(e)));
        stopped = true;
      } catch (QueueErrorException e) {
        queueException = true;
        found.add(new Violation(Violation.QUEUE_ERROR, index, text, deviceOf(step), 0, 0,
            "the driver reported a queue error: " + message(e)));
      } catch (MachineCrashedException e) {
        error = "step " + index + (step.line() > 0 ? " (line " + step.line() + ")" : "") + " '" + text + "': "
            + bed.machine().version() + " died: " + message(e);
        crashed = true;
        stopped = true;
        verdict(before);
        index++;
        return;
      } catch (DriverException | IllegalArgumentException | IllegalStateException | ScenarioException e) {
        error = "step " + index + (step.line() > 0 ? " (line " + step.line() + ")" : "") + " '" + text + "': "
            + message(e);
        stopped = true;
      }
      List<Violation> checked;
      try {
        checked = bed.oracle().check(index, text, options.fullCheckEveryStep());
      } catch (MachineCrashedException e) {
        error = "step " + index + " '" + text + "' (check): " + bed.machine().version() + " died: " + message(e);
        crashed = true;
        stopped = true;
        verdict(before);
        index++;
        return;
      }
      if (queueException) checked.removeIf(v -> v.kind() == Violation.Kind.QUEUE_ERROR);
      for (Violation v : found) add(List.of(v.atStep(index, text)), false);
      add(checked, false);
      verdict(before);
      index++;
    }

    private List<Violation> perform(Step step) {
      if (step instanceof Step.Boot) {
        bed.boot();
      } else if (step instanceof Step.Attach a) {
        bed.attach(a.device(), a.domain());
      } else if (step instanceof Step.Detach d) {
        bed.detach(d.device());
      } else if (step instanceof Step.MapRange m) {
        bed.map(m.domain(), m.iova(), m.gpa(), m.size(), m.read(), m.write());
      } else if (step instanceof Step.UnmapRange u) {
        bed.unmap(u.domain(), u.iova(), u.size());
      } else if (step instanceof Step.DmaMap m) {
        Direction dir = m.dir();
        long iova = bed.dmaMap(m.device(), m.gpa(), m.size(), dir);
        if (m.as() != null) handles.put(m.as(), new Handle(m.device(), iova, m.size(), dir));
      } else if (step instanceof Step.DmaMapSg m) {
        Direction dir = m.dir();
        List<SgEntry> entries = m.segments().stream().map(s -> new SgEntry(s.gpa(), s.size())).toList();
        SgMapping sg = bed.dmaMapSg(m.device(), entries, dir, limits(m));
        if (m.as() != null) {
          handles.put(m.as(), new Handle(m.device(), sg.segments().get(0).iova(), sg.bytes(), dir, sg));
          for (int i = 0; i < sg.segments().size(); i++) {
            SgMapping.Segment s = sg.segments().get(i);
            handles.put(m.as() + "." + i, new Handle(m.device(), s.iova(), s.size(), dir));
          }
        }
      } else if (step instanceof Step.DmaUnmap u) {
        Handle h = handles.get(u.handle());
        if (h == null) throw new IllegalArgumentException("no DMA buffer named '" + u.handle() + "'");
        if (h.unmapped) throw new IllegalArgumentException("DMA buffer '" + u.handle() + "' is already unmapped");
        h.unmapped = true;
        if (h.sg != null) bed.dmaUnmapSg(h.device, h.sg, h.dir);
        else bed.dmaUnmap(h.device, h.iova, h.size, h.dir);
      } else if (step instanceof Step.Dma d) {
        long iova;
        if (d.at() != null) {
          Handle h = handles.get(d.at());
          if (h == null) throw new IllegalArgumentException("no DMA buffer named '" + d.at() + "'");
          iova = h.iova;
        } else {
          iova = d.iova();
        }
        if (d.expect() == DmaExpect.LAZY_STALE) return lazyStaleDma(d, iova);
        return bed.dma(d.device(), iova, d.op().write(), d.len(), d.expect() == DmaExpect.OK);
      } else if (step instanceof Step.Shutdown) {
        bed.shutdown();
      } else if (step instanceof Step.Advance a) {
        bed.advance(a.nanos());
      } else {
        throw new IllegalStateException("unexpected step " + step);
      }
      return List.of();
    }

    private String deviceOf(Step step) {
      if (step instanceof Step.Attach a) return a.device();
      if (step instanceof Step.Detach d) return d.device();
      if (step instanceof Step.DmaMap m) return m.device();
      if (step instanceof Step.DmaMapSg m) return m.device();
      if (step instanceof Step.Dma d) return d.device();
      if (step instanceof Step.DmaUnmap u && handles.containsKey(u.handle())) return handles.get(u.handle()).device;
      return "";
    }

    /**
     * Keeps violations up to the limit. A mapping-state violation (stale, missing, wrong target or
     * permission) is reported once, at the step it was first seen, not again while it persists: also
     * not when it persists in a part of a range already reported for its kind and device (a later map
     * can shrink a missing range; whether a check sees the new shape at once depends on what it
     * compares, the touched ranges or everything). The final check reports only what no step reported.
     */
    private void add(List<Violation> vs, boolean dedupe) {
      for (Violation v : vs) {
        boolean mappingState = MAPPING_STATE.contains(v.kind());
        if (!reported.add(key(v)) && (dedupe || mappingState)) continue;
        if (mappingState && v.size() > 0 && !coverNew(v.kind() + "|" + v.device(), v.iova(), v.size())) continue;
        if (violations.size() < options.maxViolations()) violations.add(v);
        else dropped++;
      }
    }

    /**
     * {@code expect: lazy-stale}: inside a lazy stale window (the range queued for a lazy flush) a
     * fault and a landing through the stale mapping are both right — the landing has no intended
     * target, so its dma-mismatch is dropped — and which one happened is logged; outside one, the
     * guest unmapped the range for good and the DMA must fault.
     */
    private List<Violation> lazyStaleDma(Step.Dma d, long iova) {
      boolean write = d.op().write();
      if (!bed.queuedForLazyFlush(d.device(), iova, d.len())) return bed.dma(d.device(), iova, write, d.len(), false);
      List<Violation> vs = new ArrayList<>(bed.dma(d.device(), iova, write, d.len(), true));
      boolean landed = vs.stream().noneMatch(v -> v.kind() == Violation.Kind.UNEXPECTED_FAULT);
      vs.removeIf(v -> v.kind() == Violation.Kind.UNEXPECTED_FAULT || landed && v.kind() == Violation.Kind.DMA_MISMATCH);
      log.emit(io.vtdsim.harness.report.EventKinds.DMA_LAZY_STALE, "harness", (landed ? "landed" : "faulted") + " in a lazy stale window",
          Attrs.of("index", index, "device", d.device(), "iova", iova, "landed", landed));
      return vs;
    }

    private static String key(Violation v) {
      return v.kind() + "|" + v.device() + "|" + v.iova() + "|" + v.size();
    }

    /** Adds [iova, iova+size) to the ranges reported under {@code key}; false when they held it already. */
    private boolean coverNew(String key, long iova, long size) {
      java.util.TreeMap<Long, Long> ranges = reportedRanges.computeIfAbsent(key, k -> new java.util.TreeMap<>());
      long start = iova;
      long end = iova + size;
      Map.Entry<Long, Long> below = ranges.floorEntry(start);
      if (below != null && Long.compareUnsigned(below.getValue(), end) >= 0) return false;
      if (below != null && Long.compareUnsigned(below.getValue(), start) >= 0) start = below.getKey();
      for (Map.Entry<Long, Long> e = ranges.ceilingEntry(start);
          e != null && Long.compareUnsigned(e.getKey(), end) <= 0; e = ranges.ceilingEntry(start)) {
        if (Long.compareUnsigned(e.getValue(), end) > 0) end = e.getValue();
        ranges.remove(e.getKey());
      }
      ranges.put(start, end);
      return true;
    }

    private void announce(String text, int line) {
      log.emit("harness", new EventBody.Step(index, text, line));
    }

    private void verdict(int before) {
      List<Violation> now = violations.subList(before, violations.size());
      StringBuilder kinds = new StringBuilder();
      for (Violation v : now) {
        if (kinds.length() > 0) kinds.append(", ");
        kinds.append(v.kind());
      }
      log.emit("oracle", new EventBody.Verdict(index, now.size(), kinds.toString()));
    }
  }
}
