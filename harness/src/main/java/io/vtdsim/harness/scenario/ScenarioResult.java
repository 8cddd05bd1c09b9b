package io.vtdsim.harness.scenario;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.harness.oracle.Violation;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What running one scenario gave.
 *
 * @param scenario the scenario as run (after overrides)
 * @param outcome {@code pass} (no violation), {@code violation}, or {@code error} when the run could
 *     not be carried out (setup failure, driver API misuse, unknown handle — see {@code error})
 * @param met true when the outcome and every required violation kind match {@code
 *     scenario.effectiveExpect()} — the expectation for the shadow strategy the scenario ran under
 *     (never with an error)
 * @param violations what the oracle found, in order
 * @param counters the fixed counters ({@code Counters.NAMES} order)
 * @param events the retained events (bounded by {@link RunOptions#eventRetention})
 * @param error null, or what went wrong setting up or driving the machine
 */
public record ScenarioResult(
    Scenario scenario,
    String outcome,
    boolean met,
    List<Violation> violations,
    Map<String, Long> counters,
    List<Event> events,
    String error) {
  public static final String PASS = "pass";
  public static final String VIOLATION = "violation";
  public static final String ERROR = "error";

  public ScenarioResult {
    violations = List.copyOf(violations);
    counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters)); // keeps the report order
    events = List.copyOf(events);
  }

  /** The distinct violation kinds found, in {@link Violation#KINDS} order. */
  public List<String> violationKinds() {
    return Violation.KINDS.stream().filter(k -> violations.stream().anyMatch(v -> v.kind().equals(k))).toList();
  }

  /** The lazy-mode stale windows reported during the run ({@code oracle.stale-window} events retained). */
  public List<Event> staleWindows() {
    return events.stream().filter(e -> e.kind().equals("oracle.stale-window")).toList();
  }
}
