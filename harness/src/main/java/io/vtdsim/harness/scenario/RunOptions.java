package io.vtdsim.harness.scenario;

/**
 * How {@link ScenarioRunner} runs a scenario.
 *
 * @param fullCheckEveryStep compare whole address spaces after every step (default: only the ranges
 *     each step touched, plus one full comparison at the end)
 * @param eventRetention events kept for the result (counters and the oracle see every event anyway)
 * @param maxViolations violations kept in the result; further ones are counted in a last entry's detail
 * @param timeoutNanos wall-clock time a run may take, checked between steps (0: no limit); a run past
 *     it stops with outcome {@link ScenarioResult#TIMEOUT}
 */
public record RunOptions(boolean fullCheckEveryStep, int eventRetention, int maxViolations, long timeoutNanos) {
  public static final int DEFAULT_EVENT_RETENTION = 200_000;
  public static final int DEFAULT_MAX_VIOLATIONS = 1_000;

  public RunOptions {
    if (eventRetention < 0) throw new IllegalArgumentException("event retention must be ≥ 0: " + eventRetention);
    if (maxViolations < 1) throw new IllegalArgumentException("maxViolations must be ≥ 1: " + maxViolations);
    if (timeoutNanos < 0) throw new IllegalArgumentException("timeout must be ≥ 0 (0: none): " + timeoutNanos);
  }

  public RunOptions(boolean fullCheckEveryStep, int eventRetention, int maxViolations) {
    this(fullCheckEveryStep, eventRetention, maxViolations, 0);
  }

  /** Incremental checks, 200k retained events, 1000 violations. */
  public static RunOptions defaults() {
    return new RunOptions(false, DEFAULT_EVENT_RETENTION, DEFAULT_MAX_VIOLATIONS);
  }

  public RunOptions withFullCheckEveryStep(boolean on) {
    return new RunOptions(on, eventRetention, maxViolations, timeoutNanos);
  }

  public RunOptions withEventRetention(int n) {
    return new RunOptions(fullCheckEveryStep, n, maxViolations, timeoutNanos);
  }

  public RunOptions withMaxViolations(int n) {
    return new RunOptions(fullCheckEveryStep, eventRetention, n, timeoutNanos);
  }

  /** A wall-clock limit per run in nanoseconds, 0 for none. */
  public RunOptions withTimeoutNanos(long nanos) {
    return new RunOptions(fullCheckEveryStep, eventRetention, maxViolations, nanos);
  }
}
