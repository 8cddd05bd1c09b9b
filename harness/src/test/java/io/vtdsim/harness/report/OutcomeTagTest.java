package io.vtdsim.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.oracle.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeTagTest {
  private static Violation v(String kind, String detail) {
    return new Violation(Violation.Kind.of(kind), 1, "step", "nic", 0x1000, 0x1000, detail);
  }

  @Test
  void okWithoutViolations() {
    assertThat(OutcomeTag.of(List.of())).isEqualTo("ok");
  }

  @Test
  void kindsInReportOrderOnceEach() {
    assertThat(OutcomeTag.of(List.of(v("unexpected-fault", "x"), v("stale-mapping", "a"), v("stale-mapping", "b"))))
        .isEqualTo("STALE+FAULT");
  }

  @Test
  void hostErrorsShowTheirErrno() {
    assertThat(OutcomeTag.of(List.of(v("host-error", "map returned EEXIST: overlap"), v("host-error", "ENOENT"))))
        .isEqualTo("EEXIST+ENOENT");
    assertThat(OutcomeTag.of(List.of(v("host-error", "no errno here")))).isEqualTo("HOSTERR");
  }

  @Test
  void everyKindHasATag() {
    for (String kind : Violation.Kind.LABELS) {
      assertThat(OutcomeTag.of(List.of(v(kind, "")))).isNotBlank().isNotEqualTo("ok").doesNotContain("null");
    }
  }
}
