package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Runs matrix variants: scenarios × settings × strategies × driver presets × flush policies; the strategy
 * {@code qemu} is a column that runs the scenario on real QEMU ({@code machine.backend=qemu}) instead, and
 * a scenario QEMU cannot run is an error cell there. Each cell is an independent machine, so cells run on
 * {@code threads} threads; the cells come back in the order of the variants whatever the scheduling.
 */
final class MatrixRunner {
  /** A cell needs outcome, violations and counters only: keep no events. */
  static final RunOptions MATRIX_OPTIONS = RunOptions.defaults().withEventRetention(0);

  /**
   * One run to do: the scenario with every assignment applied, and the assignments besides strategy,
   * driver and flush ({@link MatrixCell#settings}).
   */
  /** @param impossible why the variant cannot run (an error cell), or null */
  record Variant(Scenario scenario, Map<String, String> settings, String impossible) {
    Variant(Scenario scenario, Map<String, String> settings) {
      this(scenario, settings, null);
    }
  }

  private static final String QEMU_SET = "machine.backend=" + Vocabulary.QEMU_COLUMN;

  private final ScenarioExecutor executor;
  private final int threads;
  private RunOptions options = MATRIX_OPTIONS;

  MatrixRunner(ScenarioExecutor executor, int threads) {
    this.executor = executor;
    this.threads = Math.max(1, threads);
  }

  /** Runs with these options instead of {@link #MATRIX_OPTIONS} (the HTML report keeps events). */
  MatrixRunner withOptions(RunOptions o) {
    this.options = o;
    return this;
  }

  /**
   * The assignments for each strategy × driver × flush, in that nesting order.
   *
   * @param drivers driver presets; empty = each scenario's own
   * @param flushes flush policies; empty = each scenario's own
   */
  static List<List<String>> axes(List<String> strategies, List<String> drivers, List<String> flushes) {
    List<List<String>> out = new ArrayList<>();
    for (String strategy : strategies) {
      for (String driver : drivers.isEmpty() ? List.of("") : drivers) {
        for (String flush : flushes.isEmpty() ? List.of("") : flushes) {
          List<String> sets = new ArrayList<>(List.of(strategy.equals(Vocabulary.QEMU_COLUMN)
              ? QEMU_SET : "machine.shadow-sync=" + strategy));
          if (!driver.isEmpty()) sets.add("driver.preset=" + driver);
          if (!flush.isEmpty()) sets.add("driver.flush=" + flush);
          out.add(sets);
        }
      }
    }
    return out;
  }

  /** The settings part of {@code assignments}: every key but shadow strategy, driver preset and flush. */
  static Map<String, String> settings(List<String> assignments) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String a : assignments) {
      int eq = a.indexOf('=');
      String key = a.substring(0, Math.max(0, eq)).trim();
      if (key.equals("machine.shadow-sync") || key.equals("machine.backend") || key.equals("driver.preset")
          || key.equals("driver.flush")) {
        continue;
      }
      out.put(key, a.substring(eq + 1).trim());
    }
    return out;
  }

  /**
   * The variant {@code load} gives for {@code sets}; on the qemu column, a scenario real QEMU cannot run
   * (e.g. more RAM than the backend shares) is an error cell saying why, not the end of the matrix.
   */
  static Variant variant(Function<List<String>, Scenario> load, List<String> sets) {
    try {
      return new Variant(load.apply(sets), settings(sets), null);
    } catch (ScenarioException e) {
      if (!sets.contains(QEMU_SET)) throw e;
      List<String> model = new ArrayList<>(sets);
      model.remove(QEMU_SET);
      Scenario s = load.apply(model);
      return new Variant(s.withMachine(s.machine().withBackend(Vocabulary.QEMU_COLUMN)), settings(sets),
          "not possible on QEMU: " + e.getMessage());
    }
  }

  /** Scenarios as loaded × {@link #axes}, with no other settings (the demo). */
  List<MatrixCell> run(List<Scenario> scenarios, List<String> strategies, List<String> drivers, List<String> flushes,
      IntConsumer progress) {
    List<Variant> variants = new ArrayList<>();
    for (Scenario s : scenarios) {
      for (List<String> sets : axes(strategies, drivers, flushes)) {
        Variant v = variant(all -> Overrides.apply(s, all), sets);
        variants.add(new Variant(v.scenario(), Map.of(), v.impossible()));
      }
    }
    return run(variants, progress);
  }

  /** @param progress called with the number of finished cells after each one */
  List<MatrixCell> run(List<Variant> variants, IntConsumer progress) {
    List<ScenarioResult> results = runAll(variants, progress);
    List<MatrixCell> cells = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      Scenario v = variants.get(i).scenario();
      cells.add(new MatrixCell(v.name(), v.expectColumn(), v.driver().presetOrDefault(),
          v.driver().flushOrDefault(), variants.get(i).settings(), results.get(i)));
    }
    return cells;
  }

  private List<ScenarioResult> runAll(List<Variant> variants, IntConsumer progress) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, Math.max(1, variants.size())), r -> {
      Thread t = new Thread(r, "matrix");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<ScenarioResult>> futures = new ArrayList<>();
      for (Variant v : variants) {
        futures.add(pool.submit(() -> v.impossible() == null ? executor.run(v.scenario(), options)
            : new ScenarioResult(v.scenario(), ScenarioResult.ERROR, false, List.of(), Map.of(), List.of(), v.impossible())));
      }
      List<ScenarioResult> out = new ArrayList<>();
      int done = 0;
      for (Future<ScenarioResult> f : futures) {
        out.add(f.get());
        progress.accept(++done);
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("matrix interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    } finally {
      pool.shutdownNow();
    }
  }
}
