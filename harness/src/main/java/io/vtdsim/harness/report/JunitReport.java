package io.vtdsim.harness.report;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.List;

/**
 * {@code run --junit FILE}: the runs as a JUnit XML report (the Ant/surefire {@code testsuite} format
 * CI dashboards read): one {@code testcase} per scenario run, named by scenario and shadow strategy; a
 * run that did not meet its expect is a {@code failure} whose message is the outcome and expectation
 * and whose text lists the violations; a run whose machine could not be set up is an {@code error}.
 */
public final class JunitReport {
  private JunitReport() {}

  public static String render(List<ScenarioResult> results) {
    long failures = results.stream().filter(r -> r.error() == null && !r.met()).count();
    long errors = results.stream().filter(r -> r.error() != null).count();
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb.append("<testsuite name=\"vtdsim\" tests=\"").append(results.size()).append("\" failures=\"").append(failures)
        .append("\" errors=\"").append(errors).append("\" skipped=\"0\">\n");
    for (ScenarioResult r : results) {
      String strategy = r.scenario().machine().shadowSyncOrDefault().label();
      sb.append("  <testcase classname=\"vtdsim.").append(xml(r.scenario().source())).append("\" name=\"")
          .append(xml(r.scenario().name() + " [" + strategy + "]")).append("\">");
      Expect e = r.scenario().effectiveExpect();
      String message = r.outcome() + " [" + OutcomeTag.of(r) + "], expected " + e.outcome()
          + (e.violations().isEmpty() ? "" : " " + e.violations());
      if (r.error() != null) {
        sb.append("\n    <error type=\"setup\" message=\"").append(xml(r.error())).append("\"/>\n  ");
      } else if (!r.met()) {
        sb.append("\n    <failure type=\"not-as-declared\" message=\"").append(xml(message)).append("\">");
        for (Violation v : r.violations()) sb.append(xml(v.toString())).append('\n');
        sb.append("</failure>\n  ");
      }
      sb.append("</testcase>\n");
    }
    return sb.append("</testsuite>\n").toString();
  }

  /** XML text and attribute escaping; characters XML 1.0 cannot carry become '?'. */
  static String xml(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        default -> sb.append(c < 0x20 && c != '\n' && c != '\t' && c != '\r' ? '?' : c);
      }
    }
    return sb.toString();
  }
}
