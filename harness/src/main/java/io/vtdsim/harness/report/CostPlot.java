package io.vtdsim.harness.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.XYItemLabelGenerator;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The data behind a sweep's plot and its rendering: for each cost — host map+unmap calls, shadow walk
 * entries, page-selective and domain-selective IOTLB descriptors (where a driver's PSI turns into a
 * DSI: Linux iommu_flush_iotlb_psi, "mask > cap_max_amask_val") — one line per series (a strategy,
 * qualified by scenario and the other swept values when they vary) over the swept key's values in
 * sweep order. Each point carries the run's outcome tag and whether it was as declared, so the plot
 * labels the points whose verdict is not {@code ok}. Rendered with JFreeChart (PNG) and JFreeSVG (SVG).
 *
 * @param xKey the swept key on the x axis ({@code parameters.size})
 * @param xValues its values in sweep order
 * @param series the lines, in the order the cells first name them
 */
public record CostPlot(String xKey, List<String> xValues, List<Series> series) {
  /** A cost the plot draws: its title and how to read it off a cell. */
  public enum Cost {
    HOST_CALLS("host map+unmap calls", c -> c.counter("host-map") + c.counter("host-unmap")),
    WALK_ENTRIES("walk entries", c -> c.counter("walk-entries")),
    PSI("page-selective IOTLB descriptors", c -> c.counter("desc-iotlb-psi")),
    DSI("domain-selective IOTLB descriptors", c -> c.counter("desc-iotlb-dsi"));

    public final String title;
    private final ToLongFunction<MatrixCell> read;

    Cost(String title, ToLongFunction<MatrixCell> read) {
      this.title = title;
      this.read = read;
    }

    public long of(MatrixCell c) {
      return read.applyAsLong(c);
    }
  }

  /** One run on a line: the x value, every cost, the outcome tag and whether it was as declared. */
  public record Point(String x, Map<Cost, Long> costs, String outcome, boolean met) {
    public long cost(Cost c) {
      return costs.get(c);
    }
  }

  /** One line: a name and its points, in sweep order. */
  public record Series(String name, List<Point> points) {
    /** The point at this x value, or null. */
    public Point at(String x) {
      for (Point p : points) {
        if (p.x().equals(x)) return p;
      }
      return null;
    }
  }

  /** Groups {@code cells} by everything but {@code xKey}; a cell without {@code xKey} is left out. */
  public static CostPlot of(List<MatrixCell> cells, String xKey) {
    List<String> xs = new ArrayList<>();
    Map<String, List<Point>> lines = new LinkedHashMap<>();
    boolean manyScenarios = cells.stream().map(MatrixCell::scenario).distinct().count() > 1;
    List<String> others = new ArrayList<>();
    for (String k : MatrixTable.settingKeys(cells)) {
      if (!k.equals(xKey) && cells.stream().map(c -> c.settings().get(k)).distinct().count() > 1) others.add(k);
    }
    boolean manyDrivers = cells.stream().map(c -> c.driver() + c.flush()).distinct().count() > 1;
    for (MatrixCell c : cells) {
      String x = c.settings().get(xKey);
      if (x == null) continue;
      if (!xs.contains(x)) xs.add(x);
      StringBuilder name = new StringBuilder(c.strategy());
      if (manyScenarios) name.append(" · ").append(c.scenario());
      if (manyDrivers) name.append(" · ").append(c.driver()).append(' ').append(c.flush());
      for (String k : others) name.append(" · ").append(shortKey(k)).append('=').append(c.settings().get(k));
      Map<Cost, Long> costs = new LinkedHashMap<>();
      for (Cost cost : Cost.values()) costs.put(cost, cost.of(c));
      lines.computeIfAbsent(name.toString(), k -> new ArrayList<>()).add(new Point(x, costs, c.outcome(), c.result().met()));
    }
    List<Series> series = new ArrayList<>();
    for (var e : lines.entrySet()) series.add(new Series(e.getKey(), List.copyOf(e.getValue())));
    return new CostPlot(xKey, List.copyOf(xs), List.copyOf(series));
  }

  /** {@code parameters.size} → {@code size}, {@code machine.mamv} → {@code mamv}. */
  public static String shortKey(String key) {
    return key.substring(key.lastIndexOf('.') + 1);
  }

  /** Whether {@link #write} can write this file: its name ends in .svg or .png. */
  public static boolean writable(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".svg") || name.endsWith(".png");
  }

  /** Writes the plot as SVG or PNG, by the file's extension ({@link #writable}). */
  public void write(Path file) throws IOException {
    if (!writable(file)) throw new IllegalArgumentException("not a .svg or .png file: " + file);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    JFreeChart chart = chart();
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
      Files.writeString(file, svg(chart), StandardCharsets.UTF_8);
    } else {
      ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
  }

  static final int WIDTH = 900;
  static final int HEIGHT = 1100;

  String svg(JFreeChart chart) {
    SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
    chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
    return g.getSVGDocument();
  }

  /**
   * Four stacked plots sharing the x axis (the swept values, evenly spaced), costs on log axes (a zero
   * is not drawn); a point whose outcome is not {@code ok} is labelled with it ({@code STALE*}: not
   * as declared).
   */
  JFreeChart chart() {
    SymbolAxis x = new SymbolAxis(xKey, xValues.toArray(new String[0]));
    x.setGridBandsVisible(false);
    CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
    combined.setGap(12);
    LegendItemCollection legend = new LegendItemCollection();
    boolean first = true;
    for (Cost cost : Cost.values()) {
      XYSeriesCollection data = new XYSeriesCollection();
      List<List<Point>> pointsBySeries = new ArrayList<>();
      for (Series s : series) {
        XYSeries xy = new XYSeries(s.name(), false, true);
        List<Point> drawn = new ArrayList<>();
        for (Point p : s.points()) {
          long v = p.cost(cost);
          if (v <= 0) continue;
          xy.add(xValues.indexOf(p.x()), v);
          drawn.add(p);
        }
        data.addSeries(xy);
        pointsBySeries.add(drawn);
      }
      LogAxis y = new LogAxis(cost.title);
      y.setSmallestValue(0.5);
      y.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
      y.setLabelFont(y.getLabelFont().deriveFont(11f));
      XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
      for (int i = 0; i < series.size(); i++) {
        r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        r.setSeriesStroke(i, new BasicStroke(2f));
      }
      if (first) {
        // the verdict where it changes along a line (and at its first point), on the top plot only
        XYItemLabelGenerator labels = (dataset, si, item) -> {
          List<Point> ps = pointsBySeries.get(si);
          Point p = ps.get(item);
          if (item > 0 && ps.get(item - 1).outcome().equals(p.outcome()) && ps.get(item - 1).met() == p.met()) return null;
          return p.outcome() + (p.met() ? "" : MatrixTable.NOT_AS_DECLARED);
        };
        r.setDefaultItemLabelGenerator(labels);
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
      }
      XYPlot p = new XYPlot(data, null, y, r);
      p.setBackgroundPaint(Color.WHITE);
      p.setRangeGridlinePaint(Color.LIGHT_GRAY);
      p.setDomainGridlinePaint(Color.LIGHT_GRAY);
      if (first) {
        for (int i = 0; i < series.size(); i++) legend.add(r.getLegendItem(0, i));
      }
      p.setFixedLegendItems(new LegendItemCollection());
      combined.add(p, 1);
      first = false;
    }
    combined.setFixedLegendItems(legend);
    JFreeChart chart = new JFreeChart("Cost against " + xKey + " (labels: the outcome where it changes; * = not as declared)",
        new Font(Font.SANS_SERIF, Font.BOLD, 13), combined, true);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  /** Line colours, one per series in order (distinct for colour-blind readers: Okabe–Ito). */
  private static final Color[] PALETTE = {
      new Color(0xD55E00), new Color(0x0072B2), new Color(0x009E73), new Color(0xCC79A7),
      new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442)};
}
