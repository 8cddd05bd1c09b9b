package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Runs scenarios × strategies × driver presets × flush policies. Each cell is an independent machine,
 * so cells run on {@code threads} threads; the cells come back in a fixed order (scenario, strategy,
 * driver, flush) whatever the scheduling.
 */
final class MatrixRunner {
  /** A cell needs outcome, violations and counters only: keep no events. */
  static final RunOptions MATRIX_OPTIONS = RunOptions.defaults().withEventRetention(0);

  private final ScenarioExecutor executor;
  private final int threads;

  MatrixRunner(ScenarioExecutor executor, int threads) {
    this.executor = executor;
    this.threads = Math.max(1, threads);
  }

  /**
   * @param drivers driver presets; empty = each scenario's own
   * @param flushes flush policies; empty = each scenario's own
   * @param progress called with the number of finished cells after each one
   */
  List<MatrixCell> run(List<Scenario> scenarios, List<String> strategies, List<String> drivers, List<String> flushes,
      IntConsumer progress) {
    List<Scenario> variants = new ArrayList<>();
    for (Scenario s : scenarios) {
      for (String strategy : strategies) {
        for (String driver : drivers.isEmpty() ? List.of("") : drivers) {
          for (String flush : flushes.isEmpty() ? List.of("") : flushes) {
            List<String> sets = new ArrayList<>(List.of("machine.shadow-sync=" + strategy));
            if (!driver.isEmpty()) sets.add("driver.preset=" + driver);
            if (!flush.isEmpty()) sets.add("driver.flush=" + flush);
            variants.add(Overrides.apply(s, sets));
          }
        }
      }
    }
    List<ScenarioResult> results = runAll(variants, progress);
    List<MatrixCell> cells = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      Scenario v = variants.get(i);
      cells.add(new MatrixCell(v.name(), v.machine().shadowSyncOrDefault(), v.driver().presetOrDefault(),
          v.driver().flushOrDefault(), results.get(i)));
    }
    return cells;
  }

  private List<ScenarioResult> runAll(List<Scenario> variants, IntConsumer progress) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, Math.max(1, variants.size())), r -> {
      Thread t = new Thread(r, "matrix");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<ScenarioResult>> futures = new ArrayList<>();
      for (Scenario v : variants) futures.add(pool.submit(() -> executor.run(v, MATRIX_OPTIONS)));
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
