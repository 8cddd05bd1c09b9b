package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.cli.CliRun;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report in a real headless Chromium: {@code report --html} of a MAMV sweep of
 * psi-to-dsi-fallback loads with no console errors, draws one uPlot chart per cost, and clicking a
 * matrix cell opens that run with its sequence diagram rendered by Mermaid. The page's screenshot is
 * kept as {@code target/html-report.png} to look at.
 */
class HtmlReportBrowserTest {
  @TempDir
  static Path dir;

  static HeadlessChromium chromium;

  @BeforeAll
  static void writeTheReportAndStartTheBrowser() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = CliRun.execute(out, err, "report", "--html", dir.toString(), "--scenarios", "psi-to-dsi-fallback",
        "--sweep", "machine.mamv=17..19", "--threads", "2");
    assertThat(exit).as(err.toString()).isEqualTo(0);
    assertThat(out.toString()).contains("9 runs:");
    chromium = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (chromium != null) chromium.close();
  }

  @Test
  void thePageNeedsNoNetwork() throws Exception {
    String html = Files.readString(dir.resolve("index.html"));
    assertThat(html).doesNotContainPattern("<script[^>]+src=").doesNotContainPattern("<link[^>]+href=\"https?:");
  }

  @Test
  void loadsWithoutErrorsDrawsThePlotsAndOpensARunOnClick() throws Exception {
    chromium.open(dir.resolve("index.html").toUri().toString());
    // one uPlot chart per cost, each with its canvas and a legend entry per strategy
    chromium.await("document.querySelectorAll('.plot .uplot canvas').length === 4");
    assertThat(chromium.eval("document.querySelectorAll('.plot')[0].querySelectorAll('.u-legend .u-series').length").asInt())
        .isEqualTo(1 + 3);
    assertThat(chromium.eval("document.querySelector('.plot .u-title').textContent").asText())
        .isEqualTo("host map+unmap calls (log scale)");
    // every run hidden until a cell is clicked
    assertThat(chromium.eval("[...document.querySelectorAll('article.run')].filter(a => !a.hidden).length").asInt()).isZero();

    // the psi-only cell of the MAMV 18 row: the 2 GiB unmap is a DSI, which psi-only ignores
    String cell = "[...document.querySelectorAll('#matrix tbody tr')].find(r => r.textContent.includes('mamv=18'))"
        + ".querySelectorAll('a.cell')[0]";
    assertThat(chromium.eval(cell + ".textContent").asText()).isEqualTo("STALE+NOFAULT");
    String run = chromium.eval(cell + ".getAttribute('href').slice(1)").asText();
    chromium.eval(cell + ".click()");
    chromium.await("document.getElementById('" + run + "').querySelector('.diagram').dataset.rendered === 'yes'");
    assertThat(chromium.eval("[...document.querySelectorAll('article.run')].filter(a => !a.hidden).map(a => a.id)").toString())
        .isEqualTo("[\"" + run + "\"]");
    String article = "document.getElementById('" + run + "')";
    assertThat(chromium.eval(article + ".querySelector('h2').textContent").asText())
        .isEqualTo("psi-to-dsi-fallback × psi-only: STALE+NOFAULT");
    // the rendered sequence diagram: an SVG with the five participants and the step notes
    assertThat(chromium.eval(article + ".querySelector('.diagram svg').getAttribute('aria-roledescription')").asText())
        .isEqualTo("sequence");
    assertThat(chromium.eval(article + ".querySelectorAll('.diagram svg text.actor').length").asInt()).isGreaterThanOrEqualTo(5);
    assertThat(chromium.eval(article + ".querySelector('.diagram svg').textContent").asText())
        .contains("step 5: unmap d1 iova 0x100000000 size 2GiB");
    // the violations with their IOVAs
    assertThat(chromium.eval(article + ".querySelector('table.violations').innerText").asText())
        .contains("stale-mapping", "0x100000000", "unexpected-success", "0x140000000");
    assertThat(chromium.errors()).isEmpty();
    assertThat(chromium.eval("pageErrors.length").asInt()).isZero();
    Files.write(Path.of("target", "html-report.png"), chromium.screenshot());
  }
}
