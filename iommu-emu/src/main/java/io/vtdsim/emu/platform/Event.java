package io.vtdsim.emu.platform;

import java.util.Map;

/**
 * One observable act of the simulated machine: the envelope (sequence, time, who acted) around a
 * typed {@link EventBody}. The kind name, the text and the attributes are derived from the body when
 * asked for.
 *
 * @param seq sequence number, dense from 1 within one {@link EventLog}
 * @param timeNanos simulated time ({@link Clock}) when it happened
 * @param source who acted (a device name, "vtd", "driver", "shadow", "host:nic", ...)
 * @param body what happened
 */
public record Event(long seq, long timeNanos, String source, EventBody body) {
  /** An event of any kind by name, with a ready detail and attributes (a {@link EventBody.Generic} body). */
  public Event(long seq, long timeNanos, String kind, String source, String detail, Map<String, Object> attrs) {
    this(seq, timeNanos, source, new EventBody.Generic(kind, detail, attrs));
  }

  /** The declared kind ({@link EventKind#OTHER} for one emitted under another name). */
  public EventKind type() {
    return body.type();
  }

  /** The dotted kind name, e.g. {@code mmio.write}, {@code vtd.descriptor}, {@code host.map}. */
  public String kind() {
    return body.kind();
  }

  /** Human-readable one-line description, or null when the attributes say it all. */
  public String detail() {
    return body.detail();
  }

  /** Structured attributes (immutable; values are boxed primitives, strings or enums). */
  public Map<String, Object> attrs() {
    return body instanceof EventBody.Generic g ? g.attributes() : body.attrs();
  }

  public long longAttr(String key) {
    Object o = attrs().get(key);
    if (o instanceof Number n) return n.longValue();
    throw new IllegalStateException("event " + kind() + " has no numeric attribute " + key);
  }

  public String text() {
    String d = detail();
    return d != null ? d : attrs().toString();
  }

  @Override
  public String toString() {
    return "#" + seq + " " + kind() + " [" + source + "] " + text();
  }
}
