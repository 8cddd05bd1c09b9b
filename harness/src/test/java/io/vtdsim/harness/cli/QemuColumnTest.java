package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code qemu} as a matrix/demo column runs the scenario with machine.backend=qemu (a fake machine here). */
class QemuColumnTest {
  private final FakeHarness fake = new FakeHarness();

  private int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = Main.commandLine(fake, fake);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void theQemuColumnRunsOnTheQemuBackend() {
    StringWriter out = new StringWriter();
    int rc = run(out, new StringWriter(), "matrix", "--strategies", "iova-tree,qemu", "--scenarios", "tiny", "--threads", "1");
    assertThat(rc).isZero();
    assertThat(fake.ran).hasSize(2);
    assertThat(fake.ran.get(0).machine().backendOrDefault().label()).isEqualTo("model");
    assertThat(fake.ran.get(1).machine().backendOrDefault().label()).isEqualTo("qemu");
    assertThat(out.toString()).containsPattern("(?m)^tiny +qemu +linux-6.12");
  }

  @Test
  void aScenarioQemuCannotRunIsAnErrorCellNotTheEnd() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = run(out, err, "matrix", "--strategies", "qemu", "--scenarios", "tiny", "--threads", "1");
    assertThat(rc).isZero();
    assertThat(fake.ran).hasSize(1); // the fake's tiny scenario has 1 GiB: possible
    // an impossible one: aw-bits 57 on qemu
    FakeHarness f2 = new FakeHarness();
    CommandLine cl = Main.commandLine(f2, f2);
    StringWriter o2 = new StringWriter();
    cl.setOut(new PrintWriter(o2));
    cl.setErr(new PrintWriter(new StringWriter()));
    java.nio.file.Path file = writeTemp("machine: { aw-bits: 57 }\ndevices: [{ id: nic, bdf: \"00:03.0\" }]\nsteps: [boot]\n");
    assertThat(cl.execute("matrix", "--strategies", "iova-tree,qemu", "--scenarios", file.toString(), "--threads", "1"))
        .isZero();
    assertThat(f2.ran).hasSize(1); // only the model ran
    assertThat(o2.toString()).containsPattern("qemu +linux-6.12 +linux +ERROR +NO");
  }

  @Test
  void anUnknownColumnIsInvalidInput() {
    StringWriter err = new StringWriter();
    assertThat(run(new StringWriter(), err, "matrix", "--strategies", "kvm")).isEqualTo(2);
    assertThat(err.toString()).contains("psi-only, unmap-all-replay, iova-tree, qemu");
    assertThat(run(new StringWriter(), err, "demo", "--strategies", "kvm")).isEqualTo(2);
  }

  private static java.nio.file.Path writeTemp(String yaml) {
    try {
      java.nio.file.Path p = java.nio.file.Files.createTempFile("vtdsim-aw57-", ".yaml");
      java.nio.file.Files.writeString(p, yaml);
      p.toFile().deleteOnExit();
      return p;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
