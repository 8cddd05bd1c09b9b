package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** {@code run --junit FILE} writes a JUnit XML report a CI dashboard can read. */
class JunitReportCliTest {
  @TempDir
  Path dir;

  @Test
  void oneTestcasePerRunAndAFailureForEachRunNotAsDeclared() throws Exception {
    Path file = dir.resolve("vtdsim.xml");
    int exit = CliRun.execute(new StringWriter(), new StringWriter(), "run", "--builtin", "map-unmap-4k",
        "--builtin", "psi-to-dsi-fallback", "--set", "machine.shadow-sync=psi-only", "--set", "expect.outcome=pass",
        "--junit", file.toString());
    assertThat(exit).isEqualTo(1);
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    Element suite = d.getDocumentElement();
    assertThat(suite.getTagName()).isEqualTo("testsuite");
    assertThat(suite.getAttribute("tests")).isEqualTo("2");
    assertThat(suite.getAttribute("failures")).isEqualTo("1");
    assertThat(suite.getAttribute("errors")).isEqualTo("0");
    NodeList cases = suite.getElementsByTagName("testcase");
    assertThat(((Element) cases.item(0)).getAttribute("name")).isEqualTo("map-unmap-4k [psi-only]");
    assertThat(((Element) cases.item(0)).getElementsByTagName("failure").getLength()).isZero();
    Element second = (Element) cases.item(1);
    assertThat(second.getAttribute("classname")).isEqualTo("vtdsim.builtin:psi-to-dsi-fallback");
    Element failure = (Element) second.getElementsByTagName("failure").item(0);
    assertThat(failure.getAttribute("message")).isEqualTo("violation [STALE+NOFAULT], expected pass");
    assertThat(failure.getTextContent()).contains("stale-mapping at step 5 (unmap d1 iova 0x100000000 size 2GiB)")
        .contains("iova 0x100000000");
  }
}
