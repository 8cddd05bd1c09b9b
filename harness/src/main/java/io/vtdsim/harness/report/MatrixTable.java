package io.vtdsim.harness.report;

import io.vtdsim.emu.shadow.ShadowStrategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Renders matrix cells as an aligned text table, CSV (every counter by its full name) or a Markdown
 * table. Text and Markdown columns: scenario, strategy, driver, flush, outcome (see {@link OutcomeTag}),
 * as-expected (whether the run met the scenario's {@code expect} for its strategy: the
 * {@code per-strategy} entry for that shadow-sync, else the default), then costs: MMIO exits, IOTLB PSI,
 * DSI and global descriptors, context-cache invalidations (all granularities), wait descriptors, host
 * map and unmap calls, host errors and walk entries; with a {@code nested} run among the cells, also
 * the nested HWPT binds and the forwarded invalidations ({@link #NESTED_HEADERS}).
 */
public final class MatrixTable {
  static final List<String> HEADERS = List.of("scenario", "strategy", "driver", "flush", "outcome", "as-expected",
      "mmio", "psi", "dsi", "global", "cc", "wait", "host-map", "host-unmap", "host-err", "walk");
  /** The costs of nesting, shown when some run is nested: HWPT binds and forwarded invalidations. */
  static final List<String> NESTED_HEADERS = List.of("binds", "fwd");
  /** Columns from this index on are numbers (right-aligned). */
  private static final int FIRST_NUMBER = 6;

  static final List<String> CSV_COUNTERS = List.of("mmio-reads", "mmio-writes", "desc-cc-global", "desc-cc-domain",
      "desc-cc-device", "desc-iotlb-global", "desc-iotlb-dsi", "desc-iotlb-psi", "desc-wait", "host-map",
      "host-unmap", "host-errors", "walk-entries", "dma-ok", "dma-fault");

  private MatrixTable() {}

  /** The text/Markdown header: {@link #HEADERS} with the cells' settings keys after flush. */
  static List<String> headers(List<MatrixCell> cells) {
    List<String> h = new ArrayList<>(HEADERS.subList(0, 4));
    h.addAll(settingKeys(cells));
    h.addAll(HEADERS.subList(4, HEADERS.size()));
    if (anyNested(cells)) h.addAll(NESTED_HEADERS);
    return h;
  }

  /** Whether some cell ran under {@code nested}: its costs are forwarded invalidations, not walks. */
  static boolean anyNested(List<MatrixCell> cells) {
    return cells.stream().anyMatch(c -> c.strategy().equals(ShadowStrategy.NESTED.label()));
  }

  static List<String> settingKeys(List<MatrixCell> cells) {
    List<String> keys = new ArrayList<>();
    for (MatrixCell c : cells) {
      for (String k : c.settings().keySet()) {
        if (!keys.contains(k)) keys.add(k);
      }
    }
    return keys;
  }

  static List<String> row(MatrixCell c, List<String> settingKeys, boolean nestedColumns) {
    List<String> r = new ArrayList<>(List.of(c.scenario(), c.strategy(), c.driver(), c.flush()));
    for (String k : settingKeys) r.add(c.settings().getOrDefault(k, ""));
    r.addAll(row(c).subList(4, HEADERS.size()));
    if (nestedColumns) {
      r.add(n(c.counter(Counters.NESTED_BINDS)));
      r.add(n(c.counter(Counters.NESTED_INVALIDATES)));
    }
    return r;
  }

  static List<String> row(MatrixCell c) {
    return List.of(c.scenario(), c.strategy(), c.driver(), c.flush(), c.outcome(), c.result().met() ? "yes" : "NO",
        n(c.mmioExits()), n(c.counter("desc-iotlb-psi")), n(c.counter("desc-iotlb-dsi")),
        n(c.counter("desc-iotlb-global")), n(c.contextInvalidations()), n(c.counter("desc-wait")),
        n(c.counter("host-map")), n(c.counter("host-unmap")), n(c.counter("host-errors")),
        n(c.counter("walk-entries")));
  }

  private static String n(long v) {
    return Long.toString(v);
  }

  /** An aligned plain-text table with a header rule. */
  public static String text(List<MatrixCell> cells) {
    List<String> keys = settingKeys(cells);
    List<String> headers = headers(cells);
    int firstNumber = FIRST_NUMBER + keys.size();
    List<List<String>> rows = new ArrayList<>();
    rows.add(headers);
    for (MatrixCell c : cells) rows.add(row(c, keys, anyNested(cells)));
    int[] w = new int[headers.size()];
    for (List<String> r : rows) {
      for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
    }
    StringBuilder sb = new StringBuilder();
    for (int ri = 0; ri < rows.size(); ri++) {
      List<String> r = rows.get(ri);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < w.length; i++) {
        if (i > 0) line.append("  ");
        String v = r.get(i);
        String pad = " ".repeat(w[i] - v.length());
        line.append(i >= firstNumber ? pad + v : v + pad);
      }
      sb.append(line.toString().stripTrailing()).append('\n');
      if (ri == 0) {
        int total = 0;
        for (int x : w) total += x;
        sb.append("-".repeat(total + 2 * (w.length - 1))).append('\n');
      }
    }
    return sb.toString();
  }

  /**
   * The configuration of a run as (column, value) pairs, the same for CSV and JSON: scenario, strategy,
   * driver, flush, dma-mode, host, mamv (the CAP.MAMV the unit reported), file (path or builtin:NAME),
   * then each {@link MatrixCell#settings} key any cell has ("" where a cell lacks it).
   */
  public static List<String> configColumns(List<MatrixCell> cells) {
    List<String> cols = new ArrayList<>(List.of("scenario", "strategy", "driver", "flush", "dma-mode", "host", "mamv", "file"));
    for (MatrixCell c : cells) {
      for (String k : c.settings().keySet()) {
        if (!cols.contains(k)) cols.add(k);
      }
    }
    return cols;
  }

  /** The value of one {@link #configColumns} column for a cell. */
  public static String config(MatrixCell c, String column) {
    return switch (column) {
      case "scenario" -> c.scenario();
      case "strategy" -> c.strategy();
      case "driver" -> c.driver();
      case "flush" -> c.flush();
      case "dma-mode" -> c.settings().getOrDefault("driver.dma-mode", c.dmaMode());
      case "host" -> c.settings().getOrDefault("machine.host", c.host());
      case "mamv" -> Integer.toString(c.mamv());
      case "file" -> c.file();
      default -> c.settings().getOrDefault(column, "");
    };
  }

  /**
   * CSV: the configuration ({@link #configColumns}), outcome, met, the violation kinds found (joined
   * by '+'), then every counter by name (the nesting ones when some run is nested).
   */
  public static String csv(List<MatrixCell> cells) {
    List<String> cols = configColumns(cells);
    List<String> counters = new ArrayList<>(CSV_COUNTERS);
    if (anyNested(cells)) counters.addAll(List.of(Counters.NESTED_BINDS, Counters.NESTED_INVALIDATES));
    StringBuilder sb = new StringBuilder(String.join(",", cols)).append(",outcome,met,violations");
    for (String c : counters) sb.append(',').append(c);
    sb.append('\n');
    for (MatrixCell c : cells) {
      for (String col : cols) sb.append(csvField(config(c, col))).append(',');
      sb.append(csvField(c.outcome())).append(',').append(c.result().met()).append(',')
          .append(String.join("+", c.result().violations().stream().map(v -> v.kind().label()).distinct().toList()));
      for (String name : counters) sb.append(',').append(c.counter(name));
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String csvField(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) return "\"" + s.replace("\"", "\"\"") + "\"";
    return s;
  }

  /** A GitHub-flavoured Markdown table; outcomes other than ok are bold. */
  public static String markdown(List<MatrixCell> cells) {
    List<String> keys = settingKeys(cells);
    List<String> headers = headers(cells);
    int outcome = 4 + keys.size();
    StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", headers)).append(" |\n|");
    for (int i = 0; i < headers.size(); i++) sb.append(i >= FIRST_NUMBER + keys.size() ? "---:|" : "---|");
    sb.append('\n');
    for (MatrixCell c : cells) {
      List<String> r = new ArrayList<>(row(c, keys, anyNested(cells)));
      if (!r.get(outcome).equals("ok")) r.set(outcome, "**" + r.get(outcome) + "**");
      sb.append("| ").append(String.join(" | ", r).replace("\n", " ")).append(" |\n");
    }
    return sb.toString();
  }

  /**
   * "12 runs: 9 ok, 3 with violations or errors; 11 as declared, 1 not": a run is as declared when it
   * met its scenario's expectation for the run's strategy ({@code ScenarioResult.met}).
   */
  public static String summary(List<MatrixCell> cells) {
    long ok = cells.stream().filter(c -> c.outcome().equals("ok")).count();
    long met = cells.stream().filter(c -> c.result().met()).count();
    return String.format(Locale.ROOT, "%d runs: %d ok, %d with violations or errors; %d as declared, %d not",
        cells.size(), ok, cells.size() - ok, met, cells.size() - met);
  }

  /** Appended to a pivot cell whose run did not meet its expectation for that strategy. */
  public static final String NOT_AS_DECLARED = "*";

  /**
   * Rows: scenario (with its driver era, flush policy and, when lazy, dma mode), columns: strategies;
   * each cell the outcome tag, followed by {@value #NOT_AS_DECLARED} when the run did not turn out as
   * the scenario's {@code expect} declares for that strategy.
   */
  public static String outcomePivot(List<MatrixCell> cells, List<String> strategies) {
    return pivot(cells, strategies, c -> c.outcome() + (c.result().met() ? "" : NOT_AS_DECLARED));
  }

  /**
   * One line per run that did not turn out as declared — "* psi-to-dsi-fallback × psi-only (6.12
   * linux): declared STALE+NOFAULT, found ok" — or "" when every run did.
   */
  public static String notAsDeclared(List<MatrixCell> cells) {
    StringBuilder sb = new StringBuilder();
    for (MatrixCell c : cells) {
      if (c.result().met()) continue;
      sb.append(NOT_AS_DECLARED).append(' ').append(c.scenario()).append(" \u00d7 ").append(c.strategy())
          .append(" (").append(behaviour(c)).append("): declared ")
          .append(OutcomeTag.declared(c.result().scenario().effectiveExpect()))
          .append(", found ").append(c.outcome()).append('\n');
    }
    return sb.toString();
  }

  /** Rows as {@link #outcomePivot}; each cell "mmio / iotlb descriptors / host calls / walk entries". */
  public static String costPivot(List<MatrixCell> cells, List<String> strategies) {
    return pivot(cells, strategies, c -> c.mmioExits() + " / "
        + (c.counter("desc-iotlb-psi") + c.counter("desc-iotlb-dsi") + c.counter("desc-iotlb-global")) + " / "
        + (c.counter("host-map") + c.counter("host-unmap")) + " / " + c.counter("walk-entries"));
  }

  private static String pivot(List<MatrixCell> cells, List<String> strategies,
      Function<MatrixCell, String> cellText) {
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    Map<String, String> behaviour = new LinkedHashMap<>();
    for (MatrixCell c : cells) {
      String key = c.scenario() + "\u0000" + c.driver() + "\u0000" + c.flush();
      rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(c.strategy(), cellText.apply(c));
      behaviour.put(key, behaviour(c));
    }
    List<List<String>> table = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("scenario", "driver"));
    header.addAll(strategies);
    table.add(header);
    for (var e : rows.entrySet()) {
      List<String> r = new ArrayList<>();
      r.add(e.getKey().substring(0, e.getKey().indexOf('\u0000')));
      r.add(behaviour.get(e.getKey()));
      for (String st : strategies) r.add(e.getValue().getOrDefault(st, "-"));
      table.add(r);
    }
    return aligned(table);
  }

  /** The guest driver behaviour in short: "6.12 linux", "5.10 linux lazy", "6.12 no-map-flush". */
  static String behaviour(MatrixCell c) {
    String era = c.driver().startsWith("linux-") ? c.driver().substring("linux-".length()) : c.driver();
    String mode = c.result().scenario().driver().dmaModeOrDefault();
    return era + " " + c.flush() + (mode.equals("strict") ? "" : " " + mode);
  }

  private static String aligned(List<List<String>> rows) {
    int[] w = new int[rows.get(0).size()];
    for (List<String> r : rows) {
      for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
    }
    StringBuilder sb = new StringBuilder();
    for (int ri = 0; ri < rows.size(); ri++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < w.length; i++) {
        if (i > 0) line.append("  ");
        line.append(rows.get(ri).get(i)).append(" ".repeat(w[i] - rows.get(ri).get(i).length()));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
      if (ri == 0) {
        int total = 2 * (w.length - 1);
        for (int x : w) total += x;
        sb.append("-".repeat(total)).append('\n');
      }
    }
    return sb.toString();
  }
}
