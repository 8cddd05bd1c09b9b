package io.vtdsim.harness.scenario;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numbers, sizes and durations as scenario files write them: {@code 4096}, {@code 0x1000}, {@code
 * 4KiB}, {@code 2MiB}, {@code 10ms}. Parsers throw {@link IllegalArgumentException} with a message
 * fit for a {@link ScenarioException}.
 */
public final class Units {
  private Units() {}

  private static final Pattern SIZE =
      Pattern.compile("(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)\\s*(B|KiB|MiB|GiB|TiB|K|M|G|T)?");
  private static final Pattern DURATION = Pattern.compile("([0-9][0-9_]*)\\s*(ns|us|ms|s)");

  /** A plain decimal or {@code 0x} hex number (underscores allowed), at least 0. */
  public static long parseNumber(String text) {
    String t = text.trim().replace("_", "");
    boolean hex = t.startsWith("0x") || t.startsWith("0X");
    String digits = hex ? t.substring(2) : t;
    if (digits.isEmpty() || !digits.chars().allMatch(c -> hex ? Character.digit(c, 16) >= 0 : c >= '0' && c <= '9')) {
      if (!hex && digits.startsWith("-")) throw new IllegalArgumentException("must not be negative: '" + text + "'");
      throw new IllegalArgumentException("not a number (decimal or 0x hex): '" + text + "'");
    }
    try {
      long v = hex ? Long.parseUnsignedLong(digits, 16) : Long.parseLong(digits);
      if (v < 0) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("too large: '" + text + "' (numbers must be below 2^63)");
    }
  }

  /** A size: a number with an optional unit B | KiB | MiB | GiB | TiB (K, M, G, T are accepted as the same). */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a size: '" + text + "' (a number, optionally with B, KiB, MiB or GiB, e.g. 4KiB, 0x200000)");
    }
    long n = parseNumber(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    int shift = switch (unit) {
      case "B" -> 0;
      case "K", "KiB" -> 10;
      case "M", "MiB" -> 20;
      case "G", "GiB" -> 30;
      default -> 40;
    };
    if (shift > 0 && Long.numberOfLeadingZeros(n) <= shift) {
      throw new IllegalArgumentException("size too large: '" + text + "'");
    }
    return n << shift;
  }

  /** A duration with a unit ns | us | ms | s, in nanoseconds. */
  public static long parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (a number with ns, us, ms or s, e.g. 10ms)");
    }
    long n = parseNumber(m.group(1));
    long factor = switch (m.group(2)) {
      case "ns" -> 1L;
      case "us" -> 1_000L;
      case "ms" -> 1_000_000L;
      default -> 1_000_000_000L;
    };
    if (n > Long.MAX_VALUE / factor) throw new IllegalArgumentException("duration too large: '" + text + "'");
    return n * factor;
  }

  /** {@code 0x} followed by lower-case hex digits. */
  public static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  /** The largest exact binary unit: 4096 → "4KiB", 0x200000 → "2MiB", 100 → "100B". */
  public static String formatSize(long bytes) {
    String[] units = {"TiB", "GiB", "MiB", "KiB"};
    int[] shifts = {40, 30, 20, 10};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << shifts[i];
      if (bytes != 0 && bytes % unit == 0) return (bytes >>> shifts[i]) + units[i];
    }
    return bytes + "B";
  }

  /** The largest exact unit: 10_000_000 → "10ms". */
  public static String formatDuration(long nanos) {
    if (nanos != 0 && nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + "s";
    if (nanos != 0 && nanos % 1_000_000L == 0) return nanos / 1_000_000L + "ms";
    if (nanos != 0 && nanos % 1_000L == 0) return nanos / 1_000L + "us";
    return nanos + "ns";
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
