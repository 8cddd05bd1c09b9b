package io.vtdsim.harness.explore;

import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * An exploration campaign: generated scenarios over a share of a seed space, on {@code jobs} threads,
 * until the seeds, the time or (unless {@code keepGoing}) the first finding run out; then the distinct
 * findings are shrunk.
 *
 * <p>Seed space: seeds {@code seed, seed+1, ...} ({@code runs} of them, or unbounded). Shard {@code I/N}
 * takes the seeds {@code seed + I + k·N} (k = 0, 1, ...), so the shards 0/N .. N-1/N together take every
 * seed exactly once. Within a shard the seeds run are always the first {@code n} of its sequence: with a
 * bound and no finding, all of them, whatever {@code jobs}; with a time limit, those started before it;
 * without {@code keepGoing}, those up to the lowest failing seed (runs of higher seeds that were in flight
 * are not counted), which is the same seed a single thread would stop at.
 *
 * <p>Findings are told apart by {@link Mechanism#key()}; the lowest seed showing each is shrunk, keeping
 * that mechanism (without {@code keepGoing}: the lowest failing seed's first violation).
 */
public final class Campaign {
  /**
   * What to explore.
   *
   * @param seed first seed of the space
   * @param runs seeds in the space (null: unbounded, then {@code timeNanos} must bound it)
   * @param timeNanos wall-clock time after which no new seed starts (0: none)
   * @param jobs worker threads
   * @param shardIndex this process's share, 0 ≤ index < count
   * @param shardCount shares the space is split into
   * @param keepGoing go on after a finding ({@code --continue})
   * @param shrinkRuns most runs spent shrinking each finding
   */
  public record Options(long seed, Long runs, long timeNanos, int jobs, int shardIndex, int shardCount,
      boolean keepGoing, int shrinkRuns) {
    public Options {
      if (runs != null && runs < 1) throw new IllegalArgumentException("runs must be ≥ 1: " + runs);
      if (runs == null && timeNanos <= 0) throw new IllegalArgumentException("an unbounded campaign needs a time limit");
      if (timeNanos < 0) throw new IllegalArgumentException("time must be ≥ 0: " + timeNanos);
      if (jobs < 1) throw new IllegalArgumentException("jobs must be ≥ 1: " + jobs);
      if (shardCount < 1 || shardIndex < 0 || shardIndex >= shardCount) {
        throw new IllegalArgumentException("shard must be I/N with 0 ≤ I < N: " + shardIndex + "/" + shardCount);
      }
      if (shrinkRuns < 1) throw new IllegalArgumentException("shrinkRuns must be ≥ 1: " + shrinkRuns);
    }

    /** The k-th seed of this shard. */
    public long seedAt(long k) {
      return seed + shardIndex + k * shardCount;
    }

    /** Seeds of this shard (Long.MAX_VALUE when unbounded). */
    public long shardSeeds() {
      if (runs == null) return Long.MAX_VALUE;
      return runs <= shardIndex ? 0 : (runs - shardIndex + shardCount - 1) / shardCount;
    }
  }

  /** Why a campaign stopped exploring. */
  public enum Stop {
    /** every seed of the shard ran */
    SEEDS,
    /** the time limit passed */
    TIME,
    /** a finding, without keepGoing */
    FINDING;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A seed whose run did not pass: its outcome and the mechanisms it showed. */
  public record Failure(long seed, String outcome, List<Mechanism> mechanisms) {}

  /**
   * A distinct finding.
   *
   * @param mechanism as exploration saw it (flush unknown)
   * @param seed the lowest seed showing it
   * @param originalSteps steps of that seed's scenario
   * @param shrunk the shrink, or null when the outcome cannot be shrunk (a timeout or a crash)
   */
  public record Finding(Mechanism mechanism, long seed, int originalSteps, Shrinker.Result shrunk) {
    public String key() {
      return mechanism.key();
    }
  }

  /**
   * What a campaign gave.
   *
   * @param options what it explored
   * @param scenarios seeds run (counted ones: see the class comment)
   * @param steps their steps (boot and attaches included)
   * @param failures the seeds that did not pass, by seed
   * @param findings the distinct findings, by lowest seed
   * @param stop why exploration stopped
   * @param exploreNanos wall-clock time of the exploration (without shrinking)
   */
  public record Summary(Options options, long scenarios, long steps, List<Failure> failures,
      List<Finding> findings, Stop stop, long exploreNanos) {
    /** The highest seed run, or seed - 1 when none. */
    public long lastSeed() {
      return scenarios == 0 ? options.seed() - 1 : options.seedAt(scenarios - 1);
    }
  }

  /** Progress, called from the worker threads (one at a time). */
  public interface Listener {
    default void ran(long seed, ScenarioResult result) {}

    default void shrunk(Finding f) {}
  }

  /** A run whose result says the campaign cannot go on (e.g. the base machine cannot be set up). */
  public static final class Aborted extends RuntimeException {
    public Aborted(String message) {
      super(message);
    }
  }

  private final Options options;
  private final GeneratorOptions generator;
  private final Function<Scenario, ScenarioResult> explore;
  private final Function<Scenario, ScenarioResult> shrink;
  private final Function<ScenarioResult, String> fatal;
  private final LongSupplier clock;

  /**
   * @param explore runs one generated scenario (may keep no events)
   * @param shrink runs one shrink candidate (events let the shrinker keep the flush decisions too)
   * @param fatal a message when a result means the campaign cannot go on, else null
   * @param clock nanoTime
   */
  public Campaign(Options options, GeneratorOptions generator, Function<Scenario, ScenarioResult> explore,
      Function<Scenario, ScenarioResult> shrink, Function<ScenarioResult, String> fatal, LongSupplier clock) {
    this.options = options;
    this.generator = generator;
    this.explore = explore;
    this.shrink = shrink;
    this.fatal = fatal;
    this.clock = clock;
  }

  public Summary run(Listener listener) {
    return new Execution(listener).run();
  }

  /** The scenario of a seed. */
  public Scenario scenario(long seed) {
    return new ScenarioGenerator(seed, generator).generate();
  }

  private final class Execution {
    private final Listener listener;
    private final long start = clock.getAsLong();
    private final long limit = options.shardSeeds();
    private final AtomicLong next = new AtomicLong();
    /** Lowest failing k (without keepGoing), else MAX_VALUE. */
    private final AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
    private final ConcurrentSkipListMap<Long, Integer> stepsByK = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Long, Failure> failures = new ConcurrentSkipListMap<>();
    private volatile boolean timedOut;
    private volatile String abort;
    /** Runs (k < counted) and steps of the contiguous prefix folded out of stepsByK. */
    private long countedSteps;
    private long counted;

    Execution(Listener listener) {
      this.listener = listener;
    }

    Summary run() {
      runWorkers(this::work);
      if (abort != null) throw new Aborted(abort);
      long end = clock.getAsLong();
      fold();
      long scenarios = counted; // the runs past a finding that were in flight stay in stepsByK, uncounted
      List<Failure> failed = new ArrayList<>(failures.headMap(scenarios).values());
      Stop stop = stopAt.get() != Long.MAX_VALUE ? Stop.FINDING : timedOut && scenarios < limit ? Stop.TIME : Stop.SEEDS;
      List<Finding> findings = shrinkAll(failed);
      return new Summary(options, scenarios, countedSteps, failed, findings, stop, end - start);
    }

    private void work() {
      while (abort == null) {
        if (options.timeNanos() > 0 && clock.getAsLong() - start >= options.timeNanos()) {
          timedOut = true;
          return;
        }
        long k = next.getAndIncrement();
        if (k >= limit || k > stopAt.get()) return;
        long seed = options.seedAt(k);
        Scenario s = scenario(seed);
        ScenarioResult r = explore.apply(s);
        String why = fatal.apply(r);
        if (why != null) {
          abort = why;
          return;
        }
        boolean failed = !ScenarioResult.PASS.equals(r.outcome());
        if (failed) {
          failures.put(k, new Failure(seed, r.outcome(), Mechanism.all(r)));
          if (!options.keepGoing()) stopAt.accumulateAndGet(k, Math::min);
        }
        synchronized (this) {
          stepsByK.put(k, s.steps().size());
          fold();
          listener.ran(seed, r);
        }
      }
    }

    /**
     * Moves the contiguous completed prefix out of stepsByK into the totals, never past the lowest
     * failing k (a failure is recorded before its run joins stepsByK, so a run past it is never counted).
     */
    private synchronized void fold() {
      while (!stepsByK.isEmpty() && stepsByK.firstKey() == counted && counted <= stopAt.get()) {
        countedSteps += stepsByK.pollFirstEntry().getValue();
        counted++;
      }
    }

    private void runWorkers(Runnable task) {
      if (options.jobs() == 1) {
        task.run();
        return;
      }
      List<Thread> threads = new ArrayList<>();
      List<Throwable> thrown = new ArrayList<>();
      for (int i = 0; i < options.jobs(); i++) {
        Thread t = new Thread(task, "explore-" + i);
        t.setUncaughtExceptionHandler((th, e) -> {
          synchronized (thrown) {
            thrown.add(e);
          }
          abort = "worker " + th.getName() + " failed: " + e;
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      synchronized (thrown) {
        if (!thrown.isEmpty()) {
          Throwable e = thrown.get(0);
          if (e instanceof RuntimeException re) throw re;
          if (e instanceof Error er) throw er;
          throw new IllegalStateException(e);
        }
      }
    }

    /** The first seed of each distinct mechanism (only the lowest failing seed's first one without keepGoing), shrunk. */
    private List<Finding> shrinkAll(List<Failure> failed) {
      Map<String, Failure> firstByKey = new TreeMap<>();
      Map<String, Mechanism> mechanismByKey = new TreeMap<>();
      for (Failure f : failed) {
        List<Mechanism> ms = options.keepGoing() ? f.mechanisms() : f.mechanisms().stream().limit(1).toList();
        for (Mechanism m : ms) {
          if (!firstByKey.containsKey(m.key())) {
            firstByKey.put(m.key(), f);
            mechanismByKey.put(m.key(), m);
          }
        }
        if (!options.keepGoing()) break;
      }
      List<String> keys = new ArrayList<>(firstByKey.keySet());
      keys.sort(Comparator.comparingLong((String k) -> firstByKey.get(k).seed()).thenComparing(k -> k));
      List<Finding> out = new ArrayList<>();
      if (keys.isEmpty()) return out;
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.jobs(), keys.size()));
      try {
        List<Future<Finding>> futures = new ArrayList<>();
        for (String key : keys) {
          Failure f = firstByKey.get(key);
          Mechanism m = mechanismByKey.get(key);
          futures.add(pool.submit(() -> shrinkOne(f, m)));
        }
        for (Future<Finding> fu : futures) out.add(fu.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) throw re;
        throw new IllegalStateException(e.getCause());
      } finally {
        pool.shutdownNow();
      }
      return out;
    }

    private Finding shrinkOne(Failure f, Mechanism m) {
      Scenario s = scenario(f.seed());
      boolean shrinkable = m.kind().equals(Shrinker.ERROR) || io.vtdsim.harness.oracle.Violation.Kind.LABELS.contains(m.kind());
      Shrinker.Result r = shrinkable ? new Shrinker(shrink, options.shrinkRuns()).shrink(s, m) : null;
      Finding finding = new Finding(m, f.seed(), s.steps().size(), r);
      synchronized (this) {
        listener.shrunk(finding);
      }
      return finding;
    }
  }
}
