package io.vtdsim.emu.platform;

import java.util.Map;

/**
 * One observable act of the simulated machine.
 *
 * @param seq sequence number, dense from 1 within one {@link EventLog}
 * @param timeNanos simulated time ({@link Clock}) when it happened
 * @param kind dotted kind name, e.g. {@code mmio.write}, {@code qi.descriptor}, {@code host.map}; the
 *     emitting package documents its kinds as constants
 * @param source who acted (a device name, "vtd", "driver", "shadow", "host:nic", ...)
 * @param detail human-readable one-line description, or null when the attributes say it all
 * @param attrs structured attributes (immutable; values are boxed primitives, strings or enums)
 */
public record Event(long seq, long timeNanos, String kind, String source, String detail, Map<String, Object> attrs) {
  public long longAttr(String key) {
    Object o = attrs.get(key);
    if (o instanceof Number n) return n.longValue();
    throw new IllegalStateException("event " + kind + " has no numeric attribute " + key);
  }

  public String text() {
    return detail != null ? detail : attrs.toString();
  }

  @Override
  public String toString() {
    return "#" + seq + " " + kind + " [" + source + "] " + text();
  }
}
