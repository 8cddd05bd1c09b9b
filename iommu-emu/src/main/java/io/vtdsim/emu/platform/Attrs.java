package io.vtdsim.emu.platform;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Immutable event attributes that keep the order they were given in: {@code Attrs.of("iova", x,
 * "size", y)}. Event logs must render identically on every run; {@code Map.of} iterates in an order
 * that changes from JVM to JVM, so {@link EventLog} sorts any other map by key.
 */
public final class Attrs extends AbstractMap<String, Object> {
  private static final Attrs EMPTY = new Attrs(new Object[0]);
  private final Object[] kv;

  private Attrs(Object[] kv) {
    this.kv = kv;
  }

  /** Key, value, key, value, ... (keys are strings; null values are not allowed). */
  public static Attrs of(Object... keyValues) {
    if (keyValues.length == 0) return EMPTY;
    if ((keyValues.length & 1) != 0) throw new IllegalArgumentException("attributes come in key/value pairs");
    for (int i = 0; i < keyValues.length; i += 2) {
      if (!(keyValues[i] instanceof String)) throw new IllegalArgumentException("attribute key must be a String: " + keyValues[i]);
      if (keyValues[i + 1] == null) throw new IllegalArgumentException("attribute " + keyValues[i] + " is null");
    }
    return new Attrs(keyValues.clone());
  }

  /** An ordered copy of {@code m}: kept as is when already Attrs, otherwise sorted by key. */
  public static Attrs copyOf(Map<String, ?> m) {
    if (m instanceof Attrs a) return a;
    if (m.isEmpty()) return EMPTY;
    Object[] kv = new Object[m.size() * 2];
    int i = 0;
    for (Map.Entry<String, ?> e : new java.util.TreeMap<String, Object>(m).entrySet()) {
      kv[i++] = e.getKey();
      kv[i++] = e.getValue();
    }
    return new Attrs(kv);
  }

  @Override
  public Object get(Object key) {
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i].equals(key)) return kv[i + 1];
    }
    return null;
  }

  @Override
  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  @Override
  public int size() {
    return kv.length / 2;
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int i;

          @Override
          public boolean hasNext() {
            return i < kv.length;
          }

          @Override
          public Entry<String, Object> next() {
            if (i >= kv.length) throw new NoSuchElementException();
            Entry<String, Object> e = new SimpleImmutableEntry<>((String) kv[i], kv[i + 1]);
            i += 2;
            return e;
          }
        };
      }

      @Override
      public int size() {
        return kv.length / 2;
      }
    };
  }
}
