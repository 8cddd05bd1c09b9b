package io.vtdsim.harness.scenario;

import io.vtdsim.harness.scenario.YamlTree.ListNode;
import io.vtdsim.harness.scenario.YamlTree.MapNode;
import io.vtdsim.harness.scenario.YamlTree.Node;
import io.vtdsim.harness.scenario.YamlTree.ScalarNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scenario's {@code parameters} block: named numbers with defaults that the rest of the file uses
 * as {@code ${expression}}, so that one file covers a family of runs ({@code matrix --sweep
 * parameters.size=4KiB..2GiB*2}) instead of one hand-edited copy per value:
 *
 * <pre>
 * parameters:
 *   size: 2GiB
 * steps:
 *   - map:   { domain: d1, iova: 0x100000000, gpa: 0x100000000, size: "${size / 2}" }
 *   - unmap: { domain: d1, iova: 0x100000000, size: "${size}" }
 * </pre>
 *
 * <p>An expression is integer arithmetic ({@code + - * /}, parentheses) over parameter names and
 * numbers as scenario files write them ({@code 4096}, {@code 0x1000}, {@code 2MiB}). A scalar that is
 * one {@code ${...}} becomes the number in decimal; a {@code ${...}} inside longer text (e.g. a
 * description) becomes a size such as {@code 2GiB} ({@link Units#formatSize}). Values given on the
 * command line ({@code --set parameters.size=1GiB}) replace the defaults; naming a parameter the file
 * does not declare is an error.
 */
public final class ScenarioParameters {
  /** The top-level key, and the prefix of {@code --set} / {@code --sweep} keys naming a parameter. */
  public static final String KEY = "parameters";

  private static final Pattern REF = Pattern.compile("\\$\\{([^}]*)}");

  private ScenarioParameters() {}

  /**
   * Replaces every {@code ${...}} in the tree's scalars outside the {@code parameters} block.
   *
   * @param given values that replace the declared defaults (by parameter name, as typed)
   */
  static Node substitute(Node root, Map<String, String> given, String source) {
    Map<String, Long> values = values(root, given, source);
    if (values.isEmpty() && !mentions(root)) return root;
    if (!(root instanceof MapNode top)) return root;
    Map<String, Node> entries = new LinkedHashMap<>();
    for (var e : top.entries().entrySet()) {
      entries.put(e.getKey(), e.getKey().equals(KEY) ? e.getValue() : replace(e.getValue(), values, source));
    }
    return new MapNode(top.line(), entries, top.keyLines());
  }

  /** The declared parameters with the given values applied, in declaration order. */
  private static Map<String, Long> values(Node root, Map<String, String> given, String source) {
    Map<String, Long> out = new LinkedHashMap<>();
    Node block = root instanceof MapNode m ? m.entries().get(KEY) : null;
    if (block != null && !(block instanceof MapNode)) {
      throw new ScenarioException(source, block.line(), KEY, "expected a mapping of names to numbers, e.g. size: 2GiB");
    }
    if (block instanceof MapNode params) {
      for (var e : params.entries().entrySet()) {
        String name = e.getKey();
        int line = params.keyLines().get(name);
        if (!name.matches("[a-z][a-z0-9_]*")) {
          throw new ScenarioException(source, line, KEY + "." + name, "a parameter name is lower-case letters, digits and '_'");
        }
        if (!(e.getValue() instanceof ScalarNode s) || s.isNull()) {
          throw new ScenarioException(source, line, KEY + "." + name, "expected a number or size, e.g. 2GiB");
        }
        out.put(name, number(source, line, KEY + "." + name, s.text()));
      }
    }
    for (var g : given.entrySet()) {
      if (!out.containsKey(g.getKey())) {
        throw new ScenarioException(Overrides.SOURCE, 0, KEY + "." + g.getKey(), out.isEmpty()
            ? "the scenario " + source + " declares no parameters"
            : "unknown parameter of " + source + "; declared: " + String.join(", ", out.keySet()));
      }
      out.put(g.getKey(), number(Overrides.SOURCE, 0, KEY + "." + g.getKey(), g.getValue()));
    }
    return out;
  }

  private static long number(String source, int line, String key, String text) {
    try {
      return Units.parseSize(text);
    } catch (IllegalArgumentException e) {
      throw new ScenarioException(source, line, key, e.getMessage());
    }
  }

  private static boolean mentions(Node n) {
    if (n instanceof ScalarNode s) return s.text() != null && s.text().contains("${");
    if (n instanceof MapNode m) return m.entries().values().stream().anyMatch(ScenarioParameters::mentions);
    return ((ListNode) n).items().stream().anyMatch(ScenarioParameters::mentions);
  }

  private static Node replace(Node n, Map<String, Long> values, String source) {
    if (n instanceof MapNode m) {
      Map<String, Node> entries = new LinkedHashMap<>();
      for (var e : m.entries().entrySet()) entries.put(e.getKey(), replace(e.getValue(), values, source));
      return new MapNode(m.line(), entries, m.keyLines());
    }
    if (n instanceof ListNode l) {
      List<Node> items = new ArrayList<>();
      for (Node item : l.items()) items.add(replace(item, values, source));
      return new ListNode(l.line(), items);
    }
    ScalarNode s = (ScalarNode) n;
    if (s.text() == null || !s.text().contains("${")) return s;
    Matcher m = REF.matcher(s.text());
    if (m.matches()) {
      return new ScalarNode(s.line(), Long.toString(evaluate(m.group(1), values, source, s.line())), s.token());
    }
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(Units.formatSize(evaluate(m.group(1), values, source, s.line()))));
    }
    m.appendTail(sb);
    return new ScalarNode(s.line(), sb.toString(), s.token());
  }

  /** Evaluates {@code expression} over {@code values}; a bad one is a ScenarioException at {@code line}. */
  static long evaluate(String expression, Map<String, Long> values, String source, int line) {
    try {
      Expr p = new Expr(expression, values);
      long v = p.sum();
      p.skipSpace();
      if (p.pos < expression.length()) throw new IllegalArgumentException("unexpected '" + expression.substring(p.pos) + "'");
      return v;
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ScenarioException(source, line, "${" + expression + "}", e.getMessage()
          + (values.isEmpty() ? " (the file declares no parameters)" : "; parameters: " + String.join(", ", values.keySet())));
    }
  }

  /** Recursive descent: sum := product (('+'|'-') product)*; product := atom (('*'|'/') atom)*. */
  private static final class Expr {
    private static final Pattern ATOM = Pattern.compile("0[xX][0-9a-fA-F_]+|[0-9][0-9_]*\\s*(KiB|MiB|GiB|TiB|B)?|[a-z][a-z0-9_]*");
    final String text;
    final Map<String, Long> values;
    int pos;

    Expr(String text, Map<String, Long> values) {
      this.text = text;
      this.values = values;
    }

    long sum() {
      long v = product();
      for (char c = peek(); c == '+' || c == '-'; c = peek()) {
        pos++;
        long r = product();
        v = c == '+' ? Math.addExact(v, r) : Math.subtractExact(v, r);
      }
      return v;
    }

    long product() {
      long v = atom();
      for (char c = peek(); c == '*' || c == '/'; c = peek()) {
        pos++;
        long r = atom();
        if (c == '/' && r == 0) throw new IllegalArgumentException("division by zero");
        v = c == '*' ? Math.multiplyExact(v, r) : v / r;
      }
      return v;
    }

    long atom() {
      char c = peek();
      if (c == '(') {
        pos++;
        long v = sum();
        if (peek() != ')') throw new IllegalArgumentException("missing ')'");
        pos++;
        return v;
      }
      Matcher m = ATOM.matcher(text).region(pos, text.length());
      if (!m.lookingAt()) {
        throw new IllegalArgumentException(pos >= text.length() ? "expression ends early" : "unexpected '" + text.substring(pos) + "'");
      }
      pos = m.end();
      String a = m.group();
      if (Character.isLetter(a.charAt(0))) {
        Long v = values.get(a);
        if (v == null) throw new IllegalArgumentException("unknown parameter '" + a + "'");
        return v;
      }
      return Units.parseSize(a);
    }

    char peek() {
      skipSpace();
      return pos < text.length() ? text.charAt(pos) : '\0';
    }

    void skipSpace() {
      while (pos < text.length() && text.charAt(pos) == ' ') pos++;
    }
  }
}
