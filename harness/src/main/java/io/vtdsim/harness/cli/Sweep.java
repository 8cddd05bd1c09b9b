package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.Units;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code matrix --sweep} axis: a key {@code --set} accepts and the values it takes, written as a
 * list ({@code machine.mamv=16,18,20}) or a range: {@code FROM..TO*F} (multiply by F: {@code
 * 4KiB..1GiB*2}), {@code FROM..TO+S} (add S: {@code 16..20+2}) or {@code FROM..TO} (add 1). Range
 * bounds are numbers or sizes as scenario files write them; the values keep the bounds' notation
 * (sizes as {@code 8KiB}, numbers in decimal). Bad specs are a {@link ScenarioException} from
 * {@value #OPTION}.
 *
 * @param key the assigned key ({@code machine.mamv}, {@code parameters.size}, ...)
 * @param values the values, in sweep order
 */
record Sweep(String key, List<String> values) {
  static final String OPTION = "--sweep";
  /** More values than this in one axis is a mistake (and would run for hours), not a sweep. */
  static final int MAX_VALUES = 256;

  private static final Pattern RANGE = Pattern.compile("(.+?)\\.\\.(.+?)(?:([*+])(.+))?");

  Sweep {
    values = List.copyOf(values);
  }

  static Sweep parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0 || eq == spec.length() - 1) {
      throw new ScenarioException(OPTION, 0, spec, "expected KEY=V1,V2,... or KEY=FROM..TO*FACTOR, e.g. machine.mamv=16,18,20");
    }
    String key = spec.substring(0, eq).trim();
    String text = spec.substring(eq + 1).trim();
    Matcher m = RANGE.matcher(text);
    List<String> values = new ArrayList<>();
    if (!text.contains(",") && m.matches()) {
      values.addAll(range(key, m));
    } else {
      for (String v : text.split(",")) {
        if (v.isBlank()) throw new ScenarioException(OPTION, 0, key, "empty value in '" + text + "'");
        values.add(v.trim());
      }
    }
    if (values.size() > MAX_VALUES) {
      throw new ScenarioException(OPTION, 0, key, values.size() + " values; at most " + MAX_VALUES + " per axis");
    }
    return new Sweep(key, values);
  }

  private static List<String> range(String key, Matcher m) {
    long from = bound(key, m.group(1));
    long to = bound(key, m.group(2));
    boolean multiply = "*".equals(m.group(3));
    long by = m.group(4) == null ? 1 : bound(key, m.group(4));
    if (from > to) throw new ScenarioException(OPTION, 0, key, "range " + m.group() + " runs backwards");
    if (multiply ? by < 2 || from == 0 : by < 1) {
      throw new ScenarioException(OPTION, 0, key, multiply ? "a range multiplies by 2 or more, from a value above 0"
          : "a range steps by 1 or more");
    }
    boolean sizes = m.group(1).matches(".*[0-9]\\s*[A-Za-z]+");
    List<String> out = new ArrayList<>();
    for (long v = from; v <= to; ) {
      out.add(sizes ? Units.formatSize(v) : Long.toString(v));
      if (out.size() > MAX_VALUES) break;
      long next = multiply ? v * by : v + by;
      if (multiply ? next / by != v : next < v) break; // overflow: past any bound
      v = next;
    }
    return out;
  }

  private static long bound(String key, String text) {
    try {
      return Units.parseSize(text);
    } catch (IllegalArgumentException e) {
      throw new ScenarioException(OPTION, 0, key, e.getMessage());
    }
  }

  /** Every combination of the axes' values as assignment lists, the first axis varying slowest. */
  static List<List<String>> combinations(List<Sweep> axes) {
    List<List<String>> out = new ArrayList<>(List.of(List.of()));
    for (Sweep axis : axes) {
      List<List<String>> next = new ArrayList<>();
      for (List<String> prefix : out) {
        for (String v : axis.values) {
          List<String> c = new ArrayList<>(prefix);
          c.add(axis.key + "=" + v);
          next.add(c);
        }
      }
      out = next;
    }
    return out;
  }
}
