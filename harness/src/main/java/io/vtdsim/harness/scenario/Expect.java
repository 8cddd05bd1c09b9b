package io.vtdsim.harness.scenario;

import io.vtdsim.harness.oracle.Violation;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code expect:} block: the default expectation and, optionally, one per shadow strategy
 * ({@code per-strategy:}) that replaces it when the scenario runs under that {@code machine.shadow-sync}.
 *
 * @param outcome {@code pass} (no violation may occur) or {@code violation}
 * @param violations with {@code violation}: violation kinds that must each occur at least once
 * @param perStrategy shadow-sync name → the whole expectation under that strategy, in file order;
 *     its entries have no per-strategy entries of their own
 */
public record Expect(String outcome, List<Violation.Kind> violations, Map<String, Expect> perStrategy) {
  public static final String PASS = "pass";
  public static final String VIOLATION = "violation";
  public static final Expect PASSES = new Expect(PASS, List.of());

  public Expect {
    violations = List.copyOf(violations);
    for (Map.Entry<String, Expect> e : perStrategy.entrySet()) {
      if (!e.getValue().perStrategy().isEmpty()) {
        throw new IllegalArgumentException("the per-strategy expectation for " + e.getKey()
            + " has per-strategy entries of its own");
      }
    }
    perStrategy = Collections.unmodifiableMap(new LinkedHashMap<>(perStrategy)); // keeps the file order
  }

  /** An expectation that is the same under every strategy. */
  public Expect(String outcome, List<Violation.Kind> violations) {
    this(outcome, violations, Map.of());
  }

  /** The expectation that applies when the scenario runs under {@code shadowSync}. */
  public Expect forStrategy(String shadowSync) {
    Expect own = perStrategy.get(shadowSync);
    if (own != null) return own;
    return perStrategy.isEmpty() ? this : new Expect(outcome, violations);
  }

  /** This expectation with {@code strategy}'s entry added or replaced (order kept). */
  public Expect withStrategy(String strategy, Expect e) {
    Map<String, Expect> m = new LinkedHashMap<>(perStrategy);
    m.put(strategy, e);
    return new Expect(outcome, violations, m);
  }

  /**
   * Whether a run with this {@code outcome} ({@code pass}, {@code violation} or {@code error}) that
   * found these violation {@code kinds} meets this expectation (the per-strategy entries are not
   * consulted: resolve with {@link #forStrategy} first). An error never meets it.
   */
  public boolean isMetBy(String runOutcome, Collection<Violation.Kind> kinds) {
    return outcome.equals(runOutcome) && kinds.containsAll(violations);
  }
}
