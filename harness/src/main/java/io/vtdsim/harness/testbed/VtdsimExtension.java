package io.vtdsim.harness.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension for vtdsim tests: injects a {@link TestBed} parameter built from the test's
 * {@link Machine} annotation (method first, then class; defaults without one), closes it after the
 * test, and when the test fails: writes the machine's protocol trace ({@link TestBed#trace()}, the
 * format of {@code run --trace}) to {@code target/vtdsim-traces/CLASS.METHOD.trace} (or the temporary
 * directory when there is no {@code target}), publishes it as the report entry {@value #TRACE_KEY},
 * prints it to stderr, and adds to the failure a suppressed {@link TraceNote} naming the file with the
 * trace's last lines — so that surefire's failure report and console show where it is — then rethrows.
 */
public final class VtdsimExtension implements ParameterResolver, TestExecutionExceptionHandler {
  /** Report-entry key of the protocol trace published for a failing test. */
  public static final String TRACE_KEY = "vtdsim-trace";

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(VtdsimExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    return p.getParameter().getType() == TestBed.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    Machine m = c.getTestMethod().flatMap(x -> AnnotationSupport.findAnnotation(x, Machine.class))
        .or(() -> c.getTestClass().flatMap(x -> AnnotationSupport.findAnnotation(x, Machine.class)))
        .orElse(null);
    try {
      TestBed bed = builder(m).build();
      c.getStore(NS).put("bed", new Closing(bed));
      return bed;
    } catch (RuntimeException e) {
      throw new ParameterResolutionException("cannot build the TestBed: " + e.getMessage(), e);
    }
  }

  @Override
  public void handleTestExecutionException(ExtensionContext c, Throwable failure) throws Throwable {
    Optional.ofNullable(c.getStore(NS).get("bed", Closing.class)).ifPresent(closing -> {
      String trace = closing.bed.trace();
      c.publishReportEntry(Map.of(TRACE_KEY, trace));
      System.err.println("---- vtdsim protocol trace of " + c.getDisplayName() + " ----");
      System.err.print(trace);
      System.err.println("---- end of trace ----");
      String name = c.getRequiredTestClass().getName() + "." + c.getTestMethod().map(m -> m.getName()).orElse("test");
      failure.addSuppressed(new TraceNote(writeTrace(name, trace), trace));
    });
    throw failure;
  }

  /** Lines of the trace's end repeated in the {@link TraceNote}. */
  static final int NOTE_LINES = 30;

  private static Path writeTrace(String name, String trace) {
    Path dir = Files.isDirectory(Path.of("target")) ? Path.of("target", "vtdsim-traces")
        : Path.of(System.getProperty("java.io.tmpdir"), "vtdsim-traces");
    Path file = dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + ".trace");
    try {
      Files.createDirectories(dir);
      Files.writeString(file, trace, StandardCharsets.UTF_8);
      return file.toAbsolutePath();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Added to a failing test's exception as a suppressed one: where the protocol trace was written and
   * its last {@value #NOTE_LINES} lines (no stack trace of its own).
   */
  public static final class TraceNote extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TraceNote(Path file, String trace) {
      super(message(file, trace), null, false, false);
    }

    private static String message(Path file, String trace) {
      List<String> lines = trace.lines().toList();
      List<String> tail = lines.subList(Math.max(0, lines.size() - NOTE_LINES), lines.size());
      return "vtdsim protocol trace " + (file == null ? "(could not be written; see stderr)" : "in " + file)
          + "; its last " + tail.size() + " lines:\n" + String.join("\n", tail);
    }
  }

  static TestBedBuilder builder(Machine m) {
    TestBedBuilder b = TestBed.builder();
    if (m == null) return b.assigned("nic", "00:03.0");
    b.backend(m.backend()).machine(m.preset()).fidelity(m.fidelity()).awBits(m.awBits()).ram(m.ramMiB() << 20).shadowSync(m.shadowSync()).host(m.host())
        .driver(m.driver()).flush(m.flush()).dmaMode(m.dmaMode());
    if (m.mamv() >= 0) b.mamv(m.mamv());
    if (!m.psi().isEmpty()) b.psi(Boolean.parseBoolean(m.psi()));
    if (!m.cachingMode().isEmpty()) b.cachingMode(Boolean.parseBoolean(m.cachingMode()));
    if (!m.scalableMode().isEmpty()) b.scalableMode(Boolean.parseBoolean(m.scalableMode()));
    if (!m.flts().isEmpty()) b.flts(Boolean.parseBoolean(m.flts()));
    if (!(m.superpages().length == 1 && m.superpages()[0].equals("preset"))) b.superpages(m.superpages());
    for (String d : m.assigned()) b.assigned(idOf(d), bdfOf(d));
    for (String d : m.emulated()) b.emulated(idOf(d), bdfOf(d));
    return b;
  }

  private static String idOf(String spec) {
    int i = spec.indexOf('=');
    if (i <= 0) throw new IllegalArgumentException("device must be written id=bb:dd.f, got '" + spec + "'");
    return spec.substring(0, i).trim();
  }

  private static String bdfOf(String spec) {
    return spec.substring(spec.indexOf('=') + 1).trim();
  }

  /** Closes the TestBed when the test's extension context ends. */
  private record Closing(TestBed bed) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      bed.close();
    }
  }
}
