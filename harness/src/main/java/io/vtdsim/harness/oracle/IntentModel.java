package io.vtdsim.harness.oracle;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the scenario asked for, independent of how the driver and the emulator carried it out: per
 * domain, the IOVA ranges mapped (IOMMU-API {@code map}, DMA-API {@code dma-map}) minus those
 * unmapped; per device, the domain it is attached to. Ranges are kept merged in a TreeMap keyed by
 * IOVA (one entry per contiguous run with contiguous targets and equal permissions).
 */
public final class IntentModel {
  private record Seg(long size, long gpa, int perm) {}

  private final Map<String, TreeMap<Long, Seg>> domains = new HashMap<>();
  private final Map<String, String> attached = new HashMap<>();

  public void attach(String device, String domain) {
    attached.put(device, domain);
    domains.computeIfAbsent(domain, d -> new TreeMap<>());
  }

  public void detach(String device) {
    attached.remove(device);
  }

  /** The domain {@code device} is attached to, or null. */
  public String domainOf(String device) {
    return attached.get(device);
  }

  public void map(String domain, long iova, long gpa, long size, boolean read, boolean write) {
    if (size <= 0) throw new IllegalArgumentException("map size must be positive");
    TreeMap<Long, Seg> m = domains.computeIfAbsent(domain, d -> new TreeMap<>());
    remove(m, iova, size);
    int p = Runs.perm(read, write);
    long start = iova;
    long len = size;
    long target = gpa;
    Entry<Long, Seg> before = m.lowerEntry(iova);
    if (before != null && before.getKey() + before.getValue().size == iova
        && before.getValue().gpa + before.getValue().size == gpa && before.getValue().perm == p) {
      start = before.getKey();
      len += before.getValue().size;
      target = before.getValue().gpa;
      m.remove(start);
    }
    Seg after = m.get(iova + size);
    if (after != null && after.gpa == gpa + size && after.perm == p) {
      len += after.size;
      m.remove(iova + size);
    }
    m.put(start, new Seg(len, target, p));
  }

  public void unmap(String domain, long iova, long size) {
    TreeMap<Long, Seg> m = domains.get(domain);
    if (m != null) remove(m, iova, size);
  }

  private static void remove(TreeMap<Long, Seg> m, long iova, long size) {
    long end = iova + size;
    Entry<Long, Seg> e = m.lowerEntry(iova);
    if (e != null && e.getKey() + e.getValue().size > iova) {
      // split the run that starts before iova
      Seg s = e.getValue();
      long k = e.getKey();
      m.put(k, new Seg(iova - k, s.gpa, s.perm));
      if (k + s.size > end) m.put(end, new Seg(k + s.size - end, s.gpa + (end - k), s.perm));
    }
    while (true) {
      Entry<Long, Seg> c = m.ceilingEntry(iova);
      if (c == null || c.getKey() >= end) break;
      Seg s = c.getValue();
      m.remove(c.getKey());
      long cEnd = c.getKey() + s.size;
      if (cEnd > end) m.put(end, new Seg(cEnd - end, s.gpa + (end - c.getKey()), s.perm));
    }
  }

  /** The intended translation of {@code iova} for {@code device}: the run containing it. */
  public Optional<MappedRange> translate(String device, long iova) {
    String d = attached.get(device);
    TreeMap<Long, Seg> m = d == null ? null : domains.get(d);
    if (m == null) return Optional.empty();
    Entry<Long, Seg> e = m.floorEntry(iova);
    if (e == null || e.getKey() + e.getValue().size <= iova) return Optional.empty();
    Seg s = e.getValue();
    return Optional.of(new MappedRange(e.getKey(), s.size, s.gpa, (s.perm & 1) != 0, (s.perm & 2) != 0));
  }

  /** Every intended run of {@code domain}, in IOVA order. */
  public List<MappedRange> mappings(String domain) {
    Runs r = new Runs();
    TreeMap<Long, Seg> m = domains.get(domain);
    if (m != null) m.forEach((k, s) -> r.add(k, s.size, s.gpa, s.perm));
    return r.toList();
  }

  /** The intended runs for {@code device} that overlap [start, end), clipped to it. */
  Runs expected(String device, long start, long end) {
    Runs r = new Runs();
    String d = attached.get(device);
    TreeMap<Long, Seg> m = d == null ? null : domains.get(d);
    if (m == null) return r;
    Long from = m.floorKey(start);
    for (Entry<Long, Seg> e : m.tailMap(from == null ? start : from, true).entrySet()) {
      long k = e.getKey();
      if (k >= end) break;
      Seg s = e.getValue();
      long a = Math.max(k, start);
      long b = Math.min(k + s.size, end);
      if (a < b) r.add(a, b - a, s.gpa + (a - k), s.perm);
    }
    return r;
  }
}
