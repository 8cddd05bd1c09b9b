package io.vtdsim.harness.report;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.Expect;
import io.vtdsim.harness.scenario.ScenarioResult;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The short tag a matrix cell shows for a run: {@code ok} without violations, else the violation kinds
 * in report order joined by "+": STALE, MISSING, TARGET, PERM, the host errno (EEXIST, EINVAL, ENOENT,
 * EFAULT; ENOSPC: vfio's mapping limit, ENOMEM: iommufd's pinned-page limit) for host errors, DMA, FAULT
 * (unexpected fault), NOFAULT (unexpected success), IQE, TIMEOUT; {@code ERROR} when the machine could
 * not be set up, {@code CRASH} when it died (emulator-crash), {@code RUN-TIMEOUT} when the run took
 * longer than its time limit.
 */
public final class OutcomeTag {
  private OutcomeTag() {}

  private static final Pattern ERRNO = Pattern.compile("\\b(EEXIST|EINVAL|ENOENT|EFAULT|ENOSPC|ENOMEM)\\b");

  public static String of(ScenarioResult r) {
    if (r.outcome().equals(ScenarioResult.EMULATOR_CRASH)) return "CRASH";
    if (ScenarioResult.TIMEOUT.equals(r.outcome())) return "RUN-TIMEOUT";
    if (r.error() != null) return "ERROR";
    return of(r.violations());
  }

  /** The tag of what an {@code expect} block declares: "ok" for pass, else its kinds' tags ("ok" if none listed). */
  public static String declared(Expect expect) {
    if (expect.outcome().equals(Expect.PASS)) return "ok";
    if (expect.violations().isEmpty()) return "violation";
    Set<String> tags = new LinkedHashSet<>();
    for (Violation.Kind kind : Violation.Kind.values()) {
      if (expect.violations().contains(kind)) tags.add(kind.tag());
    }
    return String.join("+", tags);
  }

  public static String of(List<Violation> violations) {
    if (violations.isEmpty()) return "ok";
    Set<String> tags = new LinkedHashSet<>();
    for (Violation.Kind kind : Violation.Kind.values()) {
      for (Violation v : violations) {
        if (v.kind() != kind) continue;
        if (kind == Violation.Kind.HOST_ERROR) {
          Matcher m = ERRNO.matcher(v.detail() == null ? "" : v.detail());
          tags.add(m.find() ? m.group(1) : kind.tag());
        } else {
          tags.add(kind.tag());
        }
      }
    }
    return String.join("+", tags);
  }
}
