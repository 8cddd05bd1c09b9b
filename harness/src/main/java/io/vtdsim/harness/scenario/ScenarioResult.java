package io.vtdsim.harness.scenario;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.harness.oracle.MappingOracle;
import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.oracle.Violation;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What running one scenario gave.
 *
 * @param scenario the scenario as run (after overrides)
 * @param outcome {@code pass} (no violation), {@code violation}, {@code error} when the run could
 *     not be carried out (setup failure, driver API misuse, unknown handle — see {@code error}),
 *     {@code emulator-crash} when the machine (real QEMU) died under the guest's input (see {@code error}),
 *     or {@code timeout} when the run took longer than {@link RunOptions#timeoutNanos} (never met;
 *     {@code error} says before which step it stopped)
 * @param met true when the outcome and every required violation kind match {@code
 *     scenario.effectiveExpect()} — the expectation for the shadow strategy the scenario ran under
 *     (never with an error)
 * @param violations what the oracle found, in order
 * @param counters the fixed counters ({@code Counters.NAMES} order)
 * @param events the retained events (bounded by {@link RunOptions#eventRetention})
 * @param error null, or what went wrong setting up or driving the machine
 * @param lazyStaleWindows the lazy-mode stale windows the oracle saw (closed ones in the order they
 *     closed, then any still open at the end), whatever the event retention
 * @param machine what ran: {@code model}, or {@code QEMU <version>} on the qemu backend
 */
public record ScenarioResult(
    Scenario scenario,
    String outcome,
    boolean met,
    List<Violation> violations,
    Map<String, Long> counters,
    List<Event> events,
    String error,
    List<StaleWindow> lazyStaleWindows,
    String machine) {
  public static final String PASS = "pass";
  public static final String VIOLATION = "violation";
  public static final String ERROR = "error";
  public static final String TIMEOUT = "timeout";
  public static final String EMULATOR_CRASH = "emulator-crash";
  /** {@link #machine()} of a run on the model. */
  public static final String MODEL = "model";

  public ScenarioResult {
    violations = List.copyOf(violations);
    counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters)); // keeps the report order
    events = List.copyOf(events);
    lazyStaleWindows = List.copyOf(lazyStaleWindows);
    machine = machine == null ? MODEL : machine;
  }

  /** A run on the model. */
  public ScenarioResult(Scenario scenario, String outcome, boolean met, List<Violation> violations,
      Map<String, Long> counters, List<Event> events, String error, List<StaleWindow> lazyStaleWindows) {
    this(scenario, outcome, met, violations, counters, events, error, lazyStaleWindows, MODEL);
  }

  /** A result whose stale windows are those its retained {@code oracle.stale-window} events tell. */
  public ScenarioResult(Scenario scenario, String outcome, boolean met, List<Violation> violations,
      Map<String, Long> counters, List<Event> events, String error) {
    this(scenario, outcome, met, violations, counters, events, error, windowsIn(events));
  }

  private static List<StaleWindow> windowsIn(List<Event> events) {
    return events.stream().filter(e -> e.kind().equals(MappingOracle.EV_STALE_WINDOW)).map(e -> {
      long to = number(e, "toNanos", e.timeNanos());
      long from = number(e, "fromNanos", to - number(e, "nanos", 0));
      return new StaleWindow(String.valueOf(e.attrs().get("device")), number(e, "iova", 0), number(e, "size", 0),
          (int) number(e, "fromStep", -1), (int) number(e, "toStep", -1), from, to);
    }).toList();
  }

  private static long number(Event e, String key, long absent) {
    return e.attrs() != null && e.attrs().get(key) instanceof Number n ? n.longValue() : absent;
  }

  /** The distinct violation kinds found, in {@link Violation.Kind} declaration order. */
  public List<Violation.Kind> violationKinds() {
    return Arrays.stream(Violation.Kind.values()).filter(k -> violations.stream().anyMatch(v -> v.kind() == k)).toList();
  }

  /**
   * The retained {@code oracle.stale-window} events (closed lazy-mode stale windows); {@link
   * #lazyStaleWindows()} has them all as values.
   */
  public List<Event> staleWindows() {
    return events.stream().filter(e -> e.kind().equals(MappingOracle.EV_STALE_WINDOW)).toList();
  }
}
