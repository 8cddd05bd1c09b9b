package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.vtdsim.harness.oracle.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/** The extension injects a configured TestBed and, on failure, attaches the protocol trace. */
class VtdsimExtensionTest {
  @Test
  void injectsTheConfiguredTestBedAndAttachesTheTraceOfAFailingTest() {
    Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(SampleTests.class))
        .execute().testEvents();
    events.assertStatistics(s -> s.started(3).succeeded(2).failed(1));
    List<ReportEntry> entries = events.reportingEntryPublished().stream()
        .map(e -> e.getPayload(ReportEntry.class).orElseThrow()).toList();
    assertThat(entries).singleElement().satisfies(r -> assertThat(r.getKeyValuePairs().get(VtdsimExtension.TRACE_KEY))
        .contains("driver   call boot").contains("call map domain=d1 iova=0x100000").contains("MMIO write32 IQT"));
    Event failed = events.failed().list().get(0);
    assertThat(failed.getTestDescriptor().getDisplayName()).contains("failing");
    // the failure carries where the trace is, with its end: surefire prints suppressed exceptions
    Throwable thrown = failed.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
        .getThrowable().orElseThrow();
    assertThat(thrown.getSuppressed()).singleElement().isInstanceOf(VtdsimExtension.TraceNote.class)
        .satisfies(n -> assertThat(n.getMessage()).contains("vtdsim-traces").contains("VtdsimExtensionTest_SampleTests.failing.trace")
            .contains("call map domain=d1"));
    String path = thrown.getSuppressed()[0].getMessage().replaceFirst("(?s)^vtdsim protocol trace in (\\S+);.*", "$1");
    assertThat(java.nio.file.Path.of(path)).content().contains("call map domain=d1 iova=0x100000");
  }

  @Test
  void checkViolationsNameTheDriverCallTheyFollow() {
    try (TestBed bed = TestBed.builder().shadowSync("psi-only").psi(false).assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      // calls 0 boot, 1 attach, 2 map; psi-only ignores the map's DSI (CAP.PSI = 0)
      assertThat(bed.check()).first().satisfies(v -> {
        assertThat(v.kind()).isEqualTo(Violation.Kind.MISSING_MAPPING);
        assertThat(v.step()).isEqualTo(2);
        assertThat(v.stepText()).startsWith("check after map domain=d1 iova=0x100000");
      });
    }
  }

  /** Run only through EngineTestKit (surefire skips nested classes). */
  @ExtendWith(VtdsimExtension.class)
  static class SampleTests {
    @Test
    @Machine(shadowSync = "psi-only", driver = "linux-5.18", psi = "false", assigned = "gpu=00:05.0",
        preset = "qemu-11.1", fidelity = "qemu")
    void configured(TestBed bed) {
      assertThat(bed.shadow().strategy().name()).isEqualTo("psi-only");
      assertThat(bed.vtdConfig().behaviour().iotlbTaggedBySourceId()).isTrue();
      assertThat(bed.vtdConfig().cap().psi()).isFalse();
      assertThat(bed.deviceIds()).containsExactly("gpu");
    }

    @Test
    @Machine(preset = "qemu-11.1", scalableMode = "true", flts = "true", shadowSync = "nested")
    void firstStageNested(TestBed bed) {
      assertThat(bed.vtdConfig().ecap().smts()).isTrue();
      assertThat(bed.vtdConfig().ecap().fsts()).isTrue();
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      assertThat(bed.driver().scalableMode()).isTrue();
      assertThat(bed.driver().domainStage("d1")).isEqualTo(io.vtdsim.driver.domain.TranslationStage.FIRST);
      assertThat(bed.check()).isEmpty();
    }

    @Test
    @Machine(shadowSync = "psi-only", psi = "false")
    void failing(TestBed bed) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", 0x100000, 0x2000000, 0x1000, true, true);
      assertThat(bed.check()).extracting(Violation::kind).isEmpty(); // psi-only ignores the DSI: fails
    }
  }
}
