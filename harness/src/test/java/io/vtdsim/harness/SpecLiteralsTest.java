package io.vtdsim.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The spec rule of ARCHITECTURE.md: VT-d bit positions, page geometry and register facts are spelled
 * only in {@code io.vtdsim.emu.spec}; everywhere else uses its constants and codecs. A scan of every
 * module's main sources (comments and string literals blanked first), with a small explicit
 * allow-list of literals that mean something else.
 */
class SpecLiteralsTest {

  /** One kind of VT-d literal and what to write instead. */
  record Rule(String name, Pattern pattern, String instead) {}

  static final List<Rule> RULES = List.of(
      new Rule("page-shift",
          Pattern.compile("(<<|>>>?)\\s*12\\b|SHIFT\\w*\\s*=\\s*12\\b|\\b12\\s*\\+|-\\s*12\\b"), "Page.SHIFT"),
      new Rule("page-offset", Pattern.compile("\\b0x0*[fF]{3}[lL]?\\b"), "Page.OFFSET_MASK"),
      new Rule("page-size", Pattern.compile("\\b(4096|0x0*1000)[lL]?\\b"), "Page.SIZE"),
      new Rule("level-index", Pattern.compile("\\b0x0*1[fF]{2}[lL]?\\b"),
          "SecondLevelPte.ENTRIES - 1 or AddressWidth.levelIndex"),
      new Rule("bit-field", Pattern.compile("\\bBits\\s*\\.\\s*(get|set|mask|bit)\\s*\\("), "a spec codec"),
      new Rule("register-facts", Pattern.compile("\\b0x0*[fF][eE][dD]9_?0000[lL]?\\b|\\b0x0*230\\b"),
          "Registers.DEFAULT_BASE / Registers.WINDOW_SIZE"));

  /** A literal that matches a rule but is no VT-d fact: file (relative to the repository), rule, the line's code. */
  record Allowed(String file, String rule, String code, String why) {}

  static final List<Allowed> ALLOWED = List.of(
      new Allowed("guest-driver-sim/src/main/java/io/vtdsim/driver/dma/FreeRanges.java", "page-shift",
          "seed ^= seed >>> 12;", "xorshift64* step (Vigna), not a page shift"),
      new Allowed("harness/src/main/java/io/vtdsim/harness/qemu/EduDma.java", "page-size",
          "static final int BUFFER_SIZE = 4096;", "QEMU edu's DMA buffer (hw/misc/edu.c DMA_SIZE)"),
      new Allowed("harness/src/main/java/io/vtdsim/harness/qemu/VfioUserMessage.java", "page-size",
          "static final int MAX_SIZE = (1 << 20) + 4096;", "vfio-user message bound: 1 MiB payload + header room"),
      new Allowed("harness/src/main/java/io/vtdsim/harness/qemu/VfioUserServer.java", "page-size",
          "static final int BAR0_SIZE = 0x1000;", "the vfio-user device's BAR0 size"));

  /** A rule's match in a source file outside spec. */
  record Hit(String file, int line, String rule, String code, String instead) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + rule + " (use " + instead + "): " + code;
    }
  }

  @Test
  void vtdLiteralsLiveOnlyInSpec() throws IOException {
    List<Hit> hits = scanRepository(repositoryRoot());
    List<Hit> unexplained = hits.stream().filter(h -> allowance(h) == null).toList();
    assertThat(unexplained).as("VT-d literals outside io.vtdsim.emu.spec").isEmpty();
  }

  @Test
  void everyAllowanceIsStillNeeded() throws IOException {
    Set<Allowed> used = new HashSet<>();
    for (Hit h : scanRepository(repositoryRoot())) {
      Allowed a = allowance(h);
      if (a != null) used.add(a);
    }
    assertThat(ALLOWED).as("allow-list entries no source needs any more").containsExactlyInAnyOrderElementsOf(used);
  }

  @Test
  void theScanFindsEachRuleInCodeButNotInCommentsOrStrings() {
    String code = String.join("\n",
        "class X {",
        "  long a = pfn << 12;",
        "  long b = iova & 0xFFFL;",
        "  int c = 4096;",
        "  int d = (int) (x >>> 21) & 0x1FF;",
        "  long e = Bits.get(v, 7, 0);",
        "  long f = 0xFED9_0000L;",
        "  static final int PAGE_SHIFT = 12;",
        "  // pfn << 12, 0xFFF, 4096 in a comment",
        "  /* Bits.set(v, 3, 0, 1) */ String s = \"0x1000 and << 12\"; char q = '\"';",
        "  int j = 12 + am; int k = (tz - 12) / 9;",
        "  long g = x << 120; int h = 40960; long i = Bits.above(w); int m = 112 + 3 - 120;",
        "}");
    List<Hit> hits = scan("harness/src/main/java/io/vtdsim/harness/X.java", code);
    assertThat(hits).extracting(Hit::line, Hit::rule).containsExactly(
        org.assertj.core.groups.Tuple.tuple(2, "page-shift"),
        org.assertj.core.groups.Tuple.tuple(3, "page-offset"),
        org.assertj.core.groups.Tuple.tuple(4, "page-size"),
        org.assertj.core.groups.Tuple.tuple(5, "level-index"),
        org.assertj.core.groups.Tuple.tuple(6, "bit-field"),
        org.assertj.core.groups.Tuple.tuple(7, "register-facts"),
        org.assertj.core.groups.Tuple.tuple(8, "page-shift"),
        org.assertj.core.groups.Tuple.tuple(11, "page-shift"));
    assertThat(scan("iommu-emu/src/main/java/io/vtdsim/emu/spec/Y.java", code)).isEmpty();
  }

  static Allowed allowance(Hit h) {
    return ALLOWED.stream()
        .filter(a -> a.file().equals(h.file()) && a.rule().equals(h.rule()) && h.code().startsWith(a.code()))
        .findFirst().orElse(null);
  }

  static Path repositoryRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !(Files.isDirectory(p.resolve("iommu-emu")) && Files.isDirectory(p.resolve("harness")))) {
      p = p.getParent();
    }
    if (p == null) throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
    return p;
  }

  static List<Hit> scanRepository(Path root) throws IOException {
    List<Hit> hits = new ArrayList<>();
    int scanned = 0;
    for (String module : List.of("iommu-emu", "guest-driver-sim", "harness")) {
      Path src = root.resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(x -> x.toString().endsWith(".java")).sorted().toList()) {
          String rel = root.relativize(f).toString().replace('\\', '/');
          hits.addAll(scan(rel, read(f)));
          scanned++;
        }
      }
    }
    assertThat(scanned).as("main source files scanned").isGreaterThan(200);
    return hits;
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Hit> scan(String file, String source) {
    if (file.contains("/io/vtdsim/emu/spec/")) return List.of();
    String[] code = blankCommentsAndStrings(source).split("\n", -1);
    String[] original = source.split("\n", -1);
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < code.length; i++) {
      for (Rule r : RULES) {
        Matcher m = r.pattern().matcher(code[i]);
        if (m.find()) hits.add(new Hit(file, i + 1, r.name(), original[i].trim(), r.instead()));
      }
    }
    return hits;
  }

  /** The source with comments, string, text-block and char literals replaced by spaces (newlines kept). */
  static String blankCommentsAndStrings(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
        while (i < n && s.charAt(i) != '\n') i = blank(out, s, i);
      } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int end = s.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        while (i < end) i = blank(out, s, i);
      } else if (s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        end = end < 0 ? n : end + 3;
        while (i < end) i = blank(out, s, i);
      } else if (c == '"' || c == '\'') {
        i = blank(out, s, i);
        while (i < n && s.charAt(i) != c && s.charAt(i) != '\n') {
          if (s.charAt(i) == '\\' && i + 1 < n) i = blank(out, s, i);
          i = blank(out, s, i);
        }
        if (i < n && s.charAt(i) == c) i = blank(out, s, i);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static int blank(StringBuilder out, String s, int i) {
    out.append(s.charAt(i) == '\n' ? '\n' : ' ');
    return i + 1;
  }
}
