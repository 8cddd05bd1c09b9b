package io.vtdsim.harness.testbed;

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
 * test, and when the test fails attaches the machine's protocol trace (every retained event, one per
 * line) as the report entry {@value #TRACE_KEY} and prints it to stderr, then rethrows.
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
    });
    throw failure;
  }

  static TestBedBuilder builder(Machine m) {
    TestBedBuilder b = TestBed.builder();
    if (m == null) return b.assigned("nic", "00:03.0");
    b.machine(m.preset()).fidelity(m.fidelity()).awBits(m.awBits()).ram(m.ramMiB() << 20).shadowSync(m.shadowSync()).host(m.host())
        .driver(m.driver()).flush(m.flush()).dmaMode(m.dmaMode());
    if (m.mamv() >= 0) b.mamv(m.mamv());
    if (!m.psi().isEmpty()) b.psi(Boolean.parseBoolean(m.psi()));
    if (!m.cachingMode().isEmpty()) b.cachingMode(Boolean.parseBoolean(m.cachingMode()));
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
