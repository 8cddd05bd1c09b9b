package io.vtdsim.harness.scenario;

import java.util.List;

/**
 * The {@code expect:} block.
 *
 * @param outcome {@code pass} (no violation may occur) or {@code violation}
 * @param violations with {@code violation}: violation kinds that must each occur at least once
 */
public record Expect(String outcome, List<String> violations) {
  public static final String PASS = "pass";
  public static final String VIOLATION = "violation";
  public static final Expect PASSES = new Expect(PASS, List.of());

  public Expect {
    violations = List.copyOf(violations);
  }
}
