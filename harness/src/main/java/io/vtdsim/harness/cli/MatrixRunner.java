package io.vtdsim.harness.cli;

import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Runs scenarios × strategies × driver presets × flush policies; the strategy {@code qemu} is a column
 * that runs the scenario on real QEMU ({@code machine.backend=qemu}) instead, and a scenario QEMU cannot
 * run is an error cell there. Each cell is an independent machine,
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
    List<String> impossible = new ArrayList<>(); // per variant: why it cannot run (null: it can)
    for (Scenario s : scenarios) {
      for (String strategy : strategies) {
        for (String driver : drivers.isEmpty() ? List.of("") : drivers) {
          for (String flush : flushes.isEmpty() ? List.of("") : flushes) {
            List<String> sets = new ArrayList<>(List.of(strategy.equals(Vocabulary.QEMU_COLUMN)
                ? "machine.backend=qemu" : "machine.shadow-sync=" + strategy));
            if (!driver.isEmpty()) sets.add("driver.preset=" + driver);
            if (!flush.isEmpty()) sets.add("driver.flush=" + flush);
            try {
              variants.add(Overrides.apply(s, sets));
              impossible.add(null);
            } catch (ScenarioException e) {
              if (!strategy.equals(Vocabulary.QEMU_COLUMN)) throw e;
              // a scenario real QEMU cannot run (e.g. more RAM than the backend shares) is a cell, not the end
              variants.add(s.withMachine(s.machine().withBackend(Vocabulary.QEMU_COLUMN)));
              impossible.add("not possible on QEMU: " + e.getMessage());
            }
          }
        }
      }
    }
    List<ScenarioResult> results = runAll(variants, impossible, progress);
    List<MatrixCell> cells = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      Scenario v = variants.get(i);
      cells.add(new MatrixCell(v.name(), v.expectColumn(), v.driver().presetOrDefault(),
          v.driver().flushOrDefault(), results.get(i)));
    }
    return cells;
  }

  private List<ScenarioResult> runAll(List<Scenario> variants, List<String> impossible, IntConsumer progress) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, Math.max(1, variants.size())), r -> {
      Thread t = new Thread(r, "matrix");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<ScenarioResult>> futures = new ArrayList<>();
      for (int i = 0; i < variants.size(); i++) {
        Scenario v = variants.get(i);
        String why = impossible.get(i);
        futures.add(pool.submit(() -> why == null ? executor.run(v, MATRIX_OPTIONS)
            : new ScenarioResult(v, ScenarioResult.ERROR, false, List.of(), Map.of(), List.of(), why)));
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
