package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The images {@code matrix --sweep ... --plot FILE.svg|png} writes, read back as a viewer would: the SVG
 * parsed as XML, its line segments and texts compared with the runs' own numbers (the same command's
 * {@code --json}), the PNG decoded with ImageIO. A plot that drew the wrong values, dropped a series
 * or a point, or mixed up the x order would fail here.
 */
class PlotImageTest {
  /** The four stacked plots, top to bottom, and the counters each draws (CostPlot.Cost). */
  static final List<List<String>> COSTS = List.of(List.of("host-map", "host-unmap"), List.of("walk-entries"),
      List.of("desc-iotlb-psi"), List.of("desc-iotlb-dsi"));
  /** The series colours in order (CostPlot's Okabe–Ito palette): psi-only, unmap-all-replay, iova-tree. */
  static final int[] COLOURS = {0xD55E00, 0x0072B2, 0x009E73};
  static final List<String> MAMV = List.of("16", "17", "18", "19", "20");

  @TempDir
  static Path dir;

  static Path svg;
  static Path png;
  /** strategy → x → run. */
  static Map<String, Map<String, JsonNode>> runs = new LinkedHashMap<>();

  @BeforeAll
  static void sweep() throws Exception {
    svg = dir.resolve("sweep.svg");
    png = dir.resolve("sweep.png");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] sweep = {"matrix", "--scenarios", "psi-to-dsi-fallback", "--sweep", "machine.mamv=16..20", "--json"};
    assertThat(CliRun.execute(out, err, concat(sweep, "--plot", svg.toString()))).as(err.toString()).isIn(0, 1);
    for (JsonNode r : new ObjectMapper().readTree(out.toString()).get("runs")) {
      runs.computeIfAbsent(r.get("strategy").asText(), k -> new TreeMap<>()).put(r.get("machine.mamv").asText(), r);
    }
    assertThat(CliRun.execute(new StringWriter(), err, concat(sweep, "--plot", png.toString()))).isIn(0, 1);
  }

  static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static long cost(JsonNode run, int plot) {
    long v = 0;
    for (String counter : COSTS.get(plot)) v += run.get("counters").get(counter).asLong();
    return v;
  }

  record Segment(double x1, double y1, double x2, double y2) {}

  /** A data area: the clip rectangle of one of the stacked plots. */
  record Band(double left, double top, double right, double bottom) {
    boolean holds(Segment s) {
      return s.y1() >= top - 1 && s.y1() <= bottom + 1 && s.y2() >= top - 1 && s.y2() <= bottom + 1;
    }
  }

  static Document parse(Path file) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false); // no network
    return f.newDocumentBuilder().parse(file.toFile());
  }

  static final Pattern RECT = Pattern.compile(
      "M([\\d.]+),([\\d.]+)L\\1,([\\d.]+)L([\\d.]+),\\3L\\4,\\2L?\\1?,?\\2?Z");

  /** The four data areas, top to bottom: the clip paths that are proper rectangles inside the image. */
  static List<Band> bands(Document d) {
    List<Band> out = new ArrayList<>();
    NodeList clips = d.getElementsByTagName("clipPath");
    for (int i = 0; i < clips.getLength(); i++) {
      String path = ((Element) ((Element) clips.item(i)).getElementsByTagName("path").item(0)).getAttribute("d");
      Matcher m = RECT.matcher(path);
      if (!m.matches()) continue;
      double left = Double.parseDouble(m.group(1));
      double top = Double.parseDouble(m.group(2));
      double bottom = Double.parseDouble(m.group(3));
      double right = Double.parseDouble(m.group(4));
      if (left > 0 && right < 900 && top < bottom && left < right) out.add(new Band(left, top, right, bottom));
    }
    out.sort(java.util.Comparator.comparingDouble(Band::top));
    return out;
  }

  /** The 2-px series lines of one colour. */
  static List<Segment> lines(Document d, int rgb) {
    String stroke = String.format("stroke:rgb(%d,%d,%d)", rgb >> 16, (rgb >> 8) & 0xFF, rgb & 0xFF);
    List<Segment> out = new ArrayList<>();
    NodeList lines = d.getElementsByTagName("line");
    for (int i = 0; i < lines.getLength(); i++) {
      Element l = (Element) lines.item(i);
      Element g = (Element) l.getParentNode();
      String style = l.getAttribute("style") + ";" + g.getAttribute("style");
      if (!style.contains(stroke + ";") || !style.contains("stroke-width:2.0")) continue;
      out.add(new Segment(num(l, "x1"), num(l, "y1"), num(l, "x2"), num(l, "y2")));
    }
    return out;
  }

  static double num(Element e, String attr) {
    return Double.parseDouble(e.getAttribute(attr));
  }

  static List<String> texts(Document d) {
    List<String> out = new ArrayList<>();
    NodeList ts = d.getElementsByTagName("text");
    for (int i = 0; i < ts.getLength(); i++) out.add(ts.item(i).getTextContent());
    return out;
  }

  @Test
  void theSvgDrawsEveryRunsCostsAtItsXOnALogScale() throws Exception {
    Document d = parse(svg);
    assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
    assertThat(d.getDocumentElement().getAttribute("width")).isEqualTo("900.0");
    List<Band> bands = bands(d);
    assertThat(bands).hasSize(4);
    List<String> strategies = List.copyOf(runs.keySet());
    assertThat(strategies).containsExactly("psi-only", "unmap-all-replay", "iova-tree");
    for (int plot = 0; plot < 4; plot++) {
      Band band = bands.get(plot);
      // y = a - b * log(cost), the same a and b for every series of one plot (a shared log axis)
      List<double[]> logAndY = new ArrayList<>();
      for (int s = 0; s < strategies.size(); s++) {
        List<double[]> drawn = new ArrayList<>(); // {x index, cost} of the points the plot can draw (cost > 0)
        for (int xi = 0; xi < MAMV.size(); xi++) {
          long c = cost(runs.get(strategies.get(s)).get(MAMV.get(xi)), plot);
          if (c > 0) drawn.add(new double[] {xi, c});
        }
        List<Segment> segs = lines(d, COLOURS[s]).stream().filter(band::holds)
            .sorted(java.util.Comparator.comparingDouble(Segment::x1)).toList();
        assertThat(segs).as("plot %d, %s: one segment between consecutive drawn points", plot, strategies.get(s))
            .hasSize(Math.max(0, drawn.size() - 1));
        for (int i = 0; i < segs.size(); i++) {
          Segment seg = segs.get(i);
          // the x axis spaces the swept values evenly across the data area, in sweep order
          assertThat(seg.x1()).isCloseTo(xAt(band, drawn.get(i)[0]), org.assertj.core.data.Offset.offset(1.5));
          assertThat(seg.x2()).isCloseTo(xAt(band, drawn.get(i + 1)[0]), org.assertj.core.data.Offset.offset(1.5));
          logAndY.add(new double[] {Math.log(drawn.get(i)[1]), seg.y1()});
          logAndY.add(new double[] {Math.log(drawn.get(i + 1)[1]), seg.y2()});
        }
      }
      assertLogScale(plot, logAndY);
    }
  }

  /** The centre of category {@code index} of five on the SymbolAxis. */
  static double xAt(Band b, double index) {
    // SymbolAxis: range [-0.5, n - 0.5] over the data area's width
    return b.left() + (index + 0.5) / MAMV.size() * (b.right() - b.left());
  }

  static void assertLogScale(int plot, List<double[]> points) {
    double[] lo = points.stream().min(java.util.Comparator.comparingDouble(p -> p[0])).orElseThrow();
    double[] hi = points.stream().max(java.util.Comparator.comparingDouble(p -> p[0])).orElseThrow();
    if (hi[0] - lo[0] < 1e-9) {
      for (double[] p : points) assertThat(p[1]).isCloseTo(lo[1], org.assertj.core.data.Offset.offset(0.5));
      return;
    }
    double slope = (hi[1] - lo[1]) / (hi[0] - lo[0]);
    assertThat(slope).as("plot %d: a larger cost is drawn higher", plot).isNegative();
    for (double[] p : points) {
      assertThat(p[1]).as("plot %d: y of cost e^%.3f", plot, p[0])
          .isCloseTo(lo[1] + slope * (p[0] - lo[0]), org.assertj.core.data.Offset.offset(0.75));
    }
  }

  @Test
  void theSvgNamesTheSeriesTheSweptValuesAndEachChangeOfVerdict() throws Exception {
    List<String> texts = texts(parse(svg));
    assertThat(texts).contains("psi-only", "unmap-all-replay", "iova-tree", "machine.mamv");
    assertThat(texts).containsSubsequence(MAMV);
    // the top plot labels a line's first drawn point and each point whose verdict differs from the previous one
    List<String> expected = new ArrayList<>();
    for (Map<String, JsonNode> byX : runs.values()) {
      String previous = null;
      for (String x : MAMV) {
        JsonNode r = byX.get(x);
        if (cost(r, 0) <= 0) continue;
        String label = r.get("outcome").asText() + (r.get("met").asBoolean() ? "" : "*");
        if (!label.equals(previous)) expected.add(label);
        previous = label;
      }
    }
    List<String> labels = texts.stream().filter(t -> t.matches("ok\\*?|[A-Z][A-Z+-]*\\*?")).toList();
    assertThat(labels).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(expected).as("the sweep crosses MAMV: some verdicts change").hasSizeGreaterThan(runs.size());
  }

  @Test
  void thePngDecodesToTheChartWithEverySeriesDrawn() throws Exception {
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).isNotNull();
    assertThat(img.getWidth()).isEqualTo(900);
    assertThat(img.getHeight()).isEqualTo(1100);
    long nonWhite = 0;
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    int[] minX = new int[COLOURS.length];
    int[] maxX = new int[COLOURS.length];
    java.util.Arrays.fill(minX, Integer.MAX_VALUE);
    java.util.Arrays.fill(maxX, -1);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        if (rgb != 0xFFFFFF) nonWhite++;
        colours.add(rgb);
        for (int s = 0; s < COLOURS.length; s++) {
          if (close(rgb, COLOURS[s])) {
            minX[s] = Math.min(minX[s], x);
            maxX[s] = Math.max(maxX[s], x);
          }
        }
      }
    }
    assertThat(nonWhite).as("not blank").isGreaterThan(img.getWidth() * img.getHeight() / 100);
    assertThat(colours.size()).isGreaterThan(20);
    for (int s = 0; s < COLOURS.length; s++) {
      // each series spans the x axis: lines from the first swept value's column to the last one's
      assertThat(maxX[s] - minX[s]).as("series %d drawn across the plot", s).isGreaterThan(img.getWidth() / 2);
    }
  }

  @Test
  void aPngOfOneStrategyHasOnlyThatSeriesColour() throws Exception {
    Path one = dir.resolve("one.png");
    StringWriter err = new StringWriter();
    assertThat(CliRun.execute(new StringWriter(), err, "matrix", "--scenarios", "psi-to-dsi-fallback", "--strategies",
        "iova-tree", "--sweep", "machine.mamv=16..20", "--plot", one.toString())).as(err.toString()).isIn(0, 1);
    BufferedImage img = ImageIO.read(one.toFile());
    int[] hits = new int[COLOURS.length];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        for (int s = 0; s < COLOURS.length; s++) if (close(rgb, COLOURS[s])) hits[s]++;
      }
    }
    // a lone series takes the first colour
    assertThat(hits[0]).isGreaterThan(100);
    assertThat(hits[1]).isZero();
    assertThat(hits[2]).isZero();
  }

  /** Within a small distance per channel (anti-aliasing blends a line's edge into the background). */
  static boolean close(int a, int b) {
    return Math.abs((a >> 16) - (b >> 16)) <= 12 && Math.abs(((a >> 8) & 0xFF) - ((b >> 8) & 0xFF)) <= 12
        && Math.abs((a & 0xFF) - (b & 0xFF)) <= 12;
  }
}
