package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code explain} and the diagram teach, on the real harness and built-ins. */
class ExplainTeachingTest {
  static final Path TINY = Path.of("..", "examples", "tiny-4k.yaml");

  @TempDir
  Path dir;

  static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliRun.execute(out, err, args);
    assertThat(err.toString()).doesNotContain("Exception");
    return out.toString();
  }

  @Test
  void psiOnlySaysItIgnoresTheDsiAndTheOracleSaysTheViolationStays() {
    String text = run("explain", "--builtin", "psi-to-dsi-fallback", "--set", "machine.shadow-sync=psi-only", "--steps", "5..7");
    assertThat(text).doesNotContain("Step 4:").contains("Step 5:", "Step 6:", "Step 7:");
    // the 2017 RFC's strategy walks PSIs only: the DSI of the 2 GiB unmap changes nothing on the host
    assertThat(text).contains("    vt-d    QI[20] iotlb-dsi: IOTLB DSI DID=2\n"
        + "    shadow  ignored by psi-only: iotlb-dsi — no walk, the host is not told\n");
    // step 6 finds the DMA success; the stale mapping of step 5 is not re-reported, and not called ok
    String step6 = text.substring(text.indexOf("Step 6:"), text.indexOf("Step 7:"));
    assertThat(step6).contains("oracle: VIOLATION unexpected-success").doesNotContain("oracle: ok");
    String step7 = text.substring(text.indexOf("Step 7:"));
    assertThat(step7).contains("  oracle: NOT ok — never repaired: stale-mapping at step 5 (nic iova 0x100000000 size 2GiB)\n")
        .doesNotContain("oracle: ok");
    // a strategy that handles the DSI ignores nothing and ends ok
    String tree = run("explain", "--builtin", "psi-to-dsi-fallback", "--steps", "5..7");
    assertThat(tree).doesNotContain("ignored by").contains("Step 7: final check (full)\n  oracle: ok — ");
  }

  @Test
  void theWalkComesBeforeWhatItFoundAndSweepsAreOneLine() {
    String text = run("explain", TINY.toString());
    String step2 = text.substring(text.indexOf("Step 2:"), text.indexOf("Step 3:"));
    assertThat(step2.indexOf("shadow  walk 00:03.0 [0x100000, 0x101000)")).isLessThan(step2.indexOf("shadow  notify 00:03.0 MAP"));
    // the page-table write the unit never sees, between the call and the flush that tells it
    assertThat(step2).contains("    driver  call map domain=d1 iova=0x100000 gpa=0x2000000 size=0x1000 read=true write=true\n"
        + "    guest   guest writes the page-table entries of [0x100000, +4KiB) in guest memory (not trapped)\n"
        + "    driver  flush psi:");
    assertThat(text.substring(text.indexOf("Step 1:"), text.indexOf("Step 2:")))
        .contains("guest   guest writes the context entry of 00:03.0 in guest memory (not trapped)");
    assertThat(step2.indexOf("shadow  notify 00:03.0 MAP")).isLessThan(step2.indexOf("host    host map nic"));
    // attaching to a translated domain unmaps the whole 48-bit space block by block: one line, with the count
    String step1 = text.substring(text.indexOf("Step 1:"), text.indexOf("Step 2:"));
    Matcher sweep = Pattern.compile("shadow  notify 00:03.0 UNMAP ×(\\d+) over \\[0x0, 0x1000000000000\\)").matcher(step1);
    assertThat(sweep.find()).as(step1).isTrue();
    assertThat(step1).contains("host    host unmap nic ×" + sweep.group(1) + ": ok (unmapped 0B in all)");
    assertThat(step1).doesNotContain("notify 00:03.0 UNMAP iova");
  }

  @Test
  void theDiagramBoxesViolationsWithKindAndIova() throws Exception {
    Path md = dir.resolve("d.md");
    run("run", "--builtin", "psi-to-dsi-fallback", "--set", "machine.shadow-sync=psi-only", "--diagram", md.toString(), "--steps", "5");
    String d = Files.readString(md);
    assertThat(d).contains("Note over Driver,Device: step 5: unmap d1 iova 0x100000000 size 2GiB")
        .doesNotContain("step 4:").doesNotContain("step 6:")
        .contains("Note over Driver: flush dsi: pfn 0x100000 +524288: AM 19, AM 19 #gt; MAMV 18 → DSI")
        .contains("Note over Shadow: ignored by psi-only: iotlb-dsi")
        .contains("    rect rgb(255, 225, 225)\n    Note over Driver,Device: VIOLATION stale-mapping nic iova 0x100000000 size 2GiB\n    end");
  }
}
