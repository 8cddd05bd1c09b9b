package io.vtdsim.harness.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.Units;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One self-contained HTML page of a matrix: the outcome per scenario row and strategy column, each
 * cell a link to its run's drill-down (configuration, violations with IOVAs, costs, the sequence
 * diagram rendered by Mermaid, the {@code explain} text), and, for a sweep, the cost plots drawn by
 * uPlot with the verdict per point. Both libraries are inlined from their webjars on the class path,
 * so the page loads nothing from the network. A drill-down opens on a {@code #run-N} fragment — a
 * cell's link, or a link to the page with one. Errors the page meets are also listed in
 * {@code <pre id="page-errors">}.
 */
public final class HtmlReport {
  /** The file written into the report directory. */
  public static final String FILE = "index.html";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String title;
  private final List<MatrixCell> cells;
  private final List<String> strategies;
  private final CostPlot plot;

  /**
   * @param cells the runs; their results should keep events (for the diagram and explain text)
   * @param strategies the strategy columns, in order
   * @param plot the sweep's plot data, or null
   */
  public HtmlReport(String title, List<MatrixCell> cells, List<String> strategies, CostPlot plot) {
    this.title = title;
    this.cells = List.copyOf(cells);
    this.strategies = List.copyOf(strategies);
    this.plot = plot;
  }

  /** Writes {@value #FILE} into {@code dir} (created when missing) and returns its path. */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE);
    Files.writeString(file, render(), StandardCharsets.UTF_8);
    return file;
  }

  public String render() {
    StringBuilder sb = new StringBuilder(4 << 20);
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title)).append("</title>\n");
    // first, so that it sees the libraries' errors too
    sb.append("<script>window.pageErrors=[];function pageError(m){pageErrors.push(m);var p=document.getElementById('page-errors');"
        + "if(p){p.hidden=false;p.textContent=pageErrors.join('\\n');}}"
        + "window.addEventListener('error',function(e){pageError(String(e.message));});"
        + "window.addEventListener('unhandledrejection',function(e){pageError(String(e.reason));});"
        + "var consoleError=console.error;console.error=function(){pageError(Array.prototype.map.call(arguments,String).join(' '));"
        + "consoleError.apply(console,arguments);};</script>\n");
    sb.append("<style>").append(Library.UPLOT.css()).append("</style>\n");
    sb.append("<style>").append(CSS).append("</style>\n");
    sb.append("<script>").append(Library.MERMAID.script()).append("</script>\n");
    sb.append("<script>").append(Library.UPLOT.script()).append("</script>\n");
    sb.append("</head><body>\n<header><h1>").append(esc(title)).append("</h1><p>").append(esc(MatrixTable.summary(cells)))
        .append(". Click a cell for its run: configuration, violations, costs, the sequence diagram and the step-by-step account.</p></header>\n");
    sb.append("<pre id=\"page-errors\" hidden></pre>\n");
    matrix(sb);
    if (plot != null) plots(sb);
    sb.append("<section id=\"runs\">\n");
    for (int i = 0; i < cells.size(); i++) run(sb, i, cells.get(i));
    sb.append("</section>\n");
    if (plot != null) sb.append("<script type=\"application/json\" id=\"plot-data\">").append(scriptSafe(plotJson())).append("</script>\n");
    sb.append("<script>").append(SCRIPT).append("</script>\n</body></html>\n");
    return sb.toString();
  }

  // ---- the matrix -----------------------------------------------------------------------------

  private void matrix(StringBuilder sb) {
    Map<String, Map<String, Integer>> rows = new LinkedHashMap<>();
    Map<String, String> rowLabel = new LinkedHashMap<>();
    for (int i = 0; i < cells.size(); i++) {
      MatrixCell c = cells.get(i);
      String key = c.scenario() + "\u0000" + c.driver() + "\u0000" + c.flush() + "\u0000" + c.settings();
      rows.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(c.strategy(), i);
      StringBuilder label = new StringBuilder(MatrixTable.behaviour(c));
      for (var e : c.settings().entrySet()) label.append(", ").append(CostPlot.shortKey(e.getKey())).append('=').append(e.getValue());
      rowLabel.put(key, label.toString());
    }
    sb.append("<section id=\"matrix\"><h2>Outcome per run</h2>\n<table class=\"matrix\"><thead><tr><th>scenario</th><th>driver, settings</th>");
    for (String s : strategies) sb.append("<th>").append(esc(s)).append("</th>");
    sb.append("</tr></thead><tbody>\n");
    for (var row : rows.entrySet()) {
      String key = row.getKey();
      sb.append("<tr><th>").append(esc(key.substring(0, key.indexOf('\u0000')))).append("</th><td>")
          .append(esc(rowLabel.get(key))).append("</td>");
      for (String s : strategies) {
        Integer i = row.getValue().get(s);
        if (i == null) {
          sb.append("<td>-</td>");
          continue;
        }
        MatrixCell c = cells.get(i);
        sb.append("<td><a class=\"cell ").append(c.outcome().equals("ok") ? "ok" : "bad").append(c.result().met() ? "" : " undeclared")
            .append("\" href=\"#run-").append(i).append("\">").append(esc(c.outcome()))
            .append(c.result().met() ? "" : MatrixTable.NOT_AS_DECLARED).append("</a></td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</tbody></table><p class=\"legend\">* the run did not turn out as the scenario's <code>expect</code> declares for that strategy.</p></section>\n");
  }

  // ---- plots ----------------------------------------------------------------------------------

  private void plots(StringBuilder sb) {
    sb.append("<section id=\"plots\"><h2>Cost against ").append(esc(plot.xKey())).append("</h2>\n");
    for (CostPlot.Cost cost : CostPlot.Cost.values()) {
      sb.append("<div class=\"plot\" data-cost=\"").append(cost.name()).append("\"></div>\n");
    }
    sb.append("<h3>Outcome per point</h3><table class=\"verdicts\"><thead><tr><th>").append(esc(plot.xKey())).append("</th>");
    for (String x : plot.xValues()) sb.append("<th>").append(esc(x)).append("</th>");
    sb.append("</tr></thead><tbody>\n");
    for (CostPlot.Series s : plot.series()) {
      sb.append("<tr><th>").append(esc(s.name())).append("</th>");
      for (String x : plot.xValues()) {
        CostPlot.Point p = s.at(x);
        if (p == null) {
          sb.append("<td>-</td>");
        } else {
          sb.append("<td class=\"").append(p.outcome().equals("ok") ? "ok" : "bad").append("\">").append(esc(p.outcome()))
              .append(p.met() ? "" : MatrixTable.NOT_AS_DECLARED).append("</td>");
        }
      }
      sb.append("</tr>\n");
    }
    sb.append("</tbody></table></section>\n");
  }

  private String plotJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("xKey", plot.xKey());
    ArrayNode xs = root.putArray("x");
    plot.xValues().forEach(xs::add);
    ArrayNode costs = root.putArray("costs");
    for (CostPlot.Cost cost : CostPlot.Cost.values()) {
      ObjectNode c = costs.addObject();
      c.put("id", cost.name());
      c.put("title", cost.title);
      ArrayNode series = c.putArray("series");
      for (CostPlot.Series s : plot.series()) {
        ObjectNode o = series.addObject();
        o.put("name", s.name());
        ArrayNode values = o.putArray("values");
        for (String x : plot.xValues()) {
          CostPlot.Point p = s.at(x);
          if (p == null) values.addNull();
          else values.add(p.cost(cost));
        }
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }

  // ---- one run --------------------------------------------------------------------------------

  private void run(StringBuilder sb, int i, MatrixCell c) {
    ScenarioResult r = c.result();
    Expect e = r.scenario().effectiveExpect();
    sb.append("<article class=\"run\" id=\"run-").append(i).append("\" hidden>\n<h2>").append(esc(c.scenario())).append(" × ")
        .append(esc(c.strategy())).append(": <span class=\"").append(c.outcome().equals("ok") ? "ok" : "bad").append("\">")
        .append(esc(c.outcome())).append("</span></h2>\n<p><a href=\"#matrix\">back to the matrix</a></p>\n");
    sb.append("<p>").append(r.met() ? "As declared" : "<strong>Not as declared</strong>").append(": expected ")
        .append(esc(e.outcome() + (e.violations().isEmpty() ? "" : " " + e.violations()))).append(", found ")
        .append(esc(r.outcome())).append(".</p>\n");
    sb.append("<table class=\"config\"><tbody>");
    for (String col : MatrixTable.configColumns(List.of(c))) {
      sb.append("<tr><th>").append(esc(col)).append("</th><td>").append(esc(MatrixTable.config(c, col))).append("</td></tr>");
    }
    sb.append("</tbody></table>\n");
    if (r.error() != null) sb.append("<p class=\"bad\">setup error: ").append(esc(r.error())).append("</p>\n");
    if (!r.violations().isEmpty()) {
      sb.append("<h3>Violations</h3><table class=\"violations\"><thead><tr><th>kind</th><th>step</th><th>device</th>"
          + "<th>iova</th><th>size</th><th>detail</th></tr></thead><tbody>\n");
      for (Violation v : r.violations()) {
        sb.append("<tr><td class=\"bad\">").append(esc(v.kind().label())).append("</td><td>")
            .append(v.step() < 0 ? "final check" : v.step() + " (" + esc(v.stepText()) + ")").append("</td><td>")
            .append(esc(v.device())).append("</td><td><code>").append(Units.hex(v.iova())).append("</code></td><td>")
            .append(v.size() > 0 ? esc(Units.formatSize(v.size())) : "").append("</td><td>").append(esc(v.detail()))
            .append("</td></tr>\n");
      }
      sb.append("</tbody></table>\n");
    }
    sb.append("<h3>Costs</h3><table class=\"costs\"><tbody><tr>");
    for (String name : r.counters().keySet()) sb.append("<th>").append(esc(name)).append("</th>");
    sb.append("</tr><tr>");
    for (Long v : r.counters().values()) sb.append("<td>").append(v).append("</td>");
    sb.append("</tr></tbody></table>\n");
    EventText text = EventText.forScenario(r.scenario());
    if (r.events().isEmpty()) {
      sb.append("<p>No events were kept for this run.</p>\n");
    } else {
      sb.append("<h3>Sequence diagram</h3>\n<pre class=\"mermaid-source\" hidden>")
          .append(esc(new SequenceDiagram(text).mermaid(r.events(), c.strategy(), r.violations()))).append("</pre>\n<div class=\"diagram\"></div>\n");
    }
    sb.append("<details><summary>Step by step (explain)</summary><pre class=\"explain\">")
        .append(esc(new Explanation(text).render(r))).append("</pre></details>\n</article>\n");
  }

  // ---- text -----------------------------------------------------------------------------------

  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }

  /** JSON inside a script element must not close it. */
  private static String scriptSafe(String json) {
    return json.replace("</", "<\\/");
  }

  /** A browser library bundled from its webjar (org.webjars.npm), found through its pom.properties. */
  enum Library {
    MERMAID("mermaid", "dist/mermaid.min.js", null),
    UPLOT("uplot", "dist/uPlot.iife.min.js", "dist/uPlot.min.css");

    private final String artifact;
    private final String script;
    private final String css;

    Library(String artifact, String script, String css) {
      this.artifact = artifact;
      this.script = script;
      this.css = css;
    }

    String version() {
      Properties p = new Properties();
      try (InputStream in = resource("META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p.getProperty("version");
    }

    String script() {
      // a literal "</script" inside the bundle would end the inline element early
      return text(script).replace("</script", "<\\/script");
    }

    String css() {
      return css == null ? "" : text(css);
    }

    private String text(String file) {
      try (InputStream in = resource("META-INF/resources/webjars/" + artifact + "/" + version() + "/" + file)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static InputStream resource(String path) {
      InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(path);
      if (in == null) throw new IllegalStateException("missing from the class path: " + path);
      return in;
    }
  }

  private static final String CSS = """
      body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
      h1{font-size:1.4em} table{border-collapse:collapse;margin:.5em 0}
      th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
      thead th{background:#f3f3f3} .ok{color:#1a7f37} .bad{color:#b42318;font-weight:600}
      a.cell{display:block;text-decoration:none} a.cell.undeclared{outline:2px dashed #b42318}
      td.ok{background:#ecf8ef} td.bad{background:#fdecea}
      article.run{border-top:3px solid #888;margin-top:1.5em;padding-top:.5em}
      pre.explain{background:#f8f8f8;padding:.5em;overflow:auto;max-height:40em}
      .diagram{overflow:auto;max-height:60em;border:1px solid #ddd}
      #page-errors{color:#b42318;border:2px solid #b42318;padding:.5em}
      .plot{margin:1em 0} .legend{color:#555}
      """;

  private static final String SCRIPT = """
      mermaid.initialize({startOnLoad:false, securityLevel:'strict', maxTextSize:10000000, maxEdges:100000,
        sequence:{useMaxWidth:false, mirrorActors:false}});
      async function showRun(id){
        var runs=document.querySelectorAll('article.run');
        for (var k=0;k<runs.length;k++) runs[k].hidden = runs[k].id!==id;
        var a=document.getElementById(id);
        if (!a || !a.classList.contains('run')) return;
        document.body.dataset.shown=id;
        a.scrollIntoView();
        var d=a.querySelector('.diagram'), src=a.querySelector('.mermaid-source');
        if (d && !d.dataset.rendered){
          d.dataset.rendered='pending';
          try { var out=await mermaid.render('svg-'+id, src.textContent); d.innerHTML=out.svg; d.dataset.rendered='yes'; }
          catch(e){ d.dataset.rendered='error'; console.error('diagram of '+id+': '+e); }
        }
      }
      window.addEventListener('hashchange', function(){ showRun(location.hash.slice(1)); });
      var colours=['#D55E00','#0072B2','#009E73','#CC79A7','#E69F00','#56B4E9','#000000','#F0E442'];
      var plotData=document.getElementById('plot-data');
      if (plotData){
        var data=JSON.parse(plotData.textContent);
        var xs=data.x.map(function(_,k){return k;});
        data.costs.forEach(function(cost){
          var el=document.querySelector('.plot[data-cost="'+cost.id+'"]');
          var series=[{label:data.xKey, value:function(u,v){return v==null?'':data.x[v];}}];
          var columns=[xs];
          cost.series.forEach(function(s,k){
            series.push({label:s.name, stroke:colours[k%colours.length], width:2, points:{show:true, size:6}});
            columns.push(s.values.map(function(v){return v>0?v:null;}));
          });
          new uPlot({title:cost.title+' (log scale)', width:Math.min(1000, window.innerWidth-60), height:260,
            scales:{x:{time:false}, y:{distr:3}},
            axes:[{label:data.xKey, values:function(u,vals){return vals.map(function(v){return Number.isInteger(v)?(data.x[v]||''):'';});}},
                  {size:70}],
            series:series}, columns, el);
        });
      }
      if (location.hash) showRun(location.hash.slice(1));
      """;
}
