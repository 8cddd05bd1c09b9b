package io.vtdsim.emu.vtd.qi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Event attributes in a fixed order (deterministic logs): key, value, key, value, ... */
final class Attrs {
  private Attrs() {}

  static Map<String, Object> of(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
    return Collections.unmodifiableMap(m);
  }
}
