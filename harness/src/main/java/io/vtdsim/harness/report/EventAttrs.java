package io.vtdsim.harness.report;

import io.vtdsim.emu.platform.Event;

/** Tolerant reads of event attributes: renderers show what is there and never throw. */
final class EventAttrs {
  private EventAttrs() {}

  static boolean has(Event e, String key) {
    return e.attrs() != null && e.attrs().get(key) != null;
  }

  /** The attribute as a long, or null when absent or not a number (numeric strings, incl. 0x hex, count). */
  static Long num(Event e, String key) {
    Object o = e.attrs() == null ? null : e.attrs().get(key);
    if (o instanceof Number n) return n.longValue();
    if (o instanceof String s) {
      try {
        String t = s.trim();
        return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
      } catch (NumberFormatException ex) {
        return null;
      }
    }
    return null;
  }

  /** The attribute as text ("" when absent). */
  static String str(Event e, String key) {
    Object o = e.attrs() == null ? null : e.attrs().get(key);
    return o == null ? "" : String.valueOf(o);
  }

  /** A numeric attribute in hex ("?" when absent); a non-numeric one as it is. */
  static String hex(Event e, String key) {
    Long v = num(e, key);
    if (v != null) return "0x" + Long.toHexString(v);
    String s = str(e, key);
    return s.isEmpty() ? "?" : s;
  }

  static boolean flag(Event e, String key) {
    Object o = e.attrs() == null ? null : e.attrs().get(key);
    return o instanceof Boolean b ? b : "true".equals(String.valueOf(o));
  }

  /** "rw", "r-", "-w" or "--" from read/write attributes. */
  static String perm(Event e) {
    return (flag(e, "read") ? "r" : "-") + (flag(e, "write") ? "w" : "-");
  }

  /** A size attribute as 4KiB / 2MiB / bytes. */
  static String size(Event e, String key) {
    Long v = num(e, key);
    return v == null ? "?" : io.vtdsim.harness.scenario.Units.formatSize(v);
  }
}
