package io.vtdsim.harness.oracle;

import io.vtdsim.emu.util.RangeMap;
import io.vtdsim.emu.util.RangeMap.Range;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the scenario asked for, independent of how the driver and the emulator carried it out: per
 * domain, the IOVA ranges mapped (IOMMU-API {@code map}, DMA-API {@code dma-map}) minus those
 * unmapped; per device, the domain it is attached to. Ranges are kept merged (one entry per
 * contiguous run with contiguous targets and equal permissions) in a compact {@link RangeMap} keyed
 * by IOVA, about 25 bytes per run.
 */
public final class IntentModel {
  private final Map<String, RangeMap> domains = new HashMap<>();
  private final Map<String, String> attached = new HashMap<>();

  public void attach(String device, String domain) {
    attached.put(device, domain);
    domains.computeIfAbsent(domain, d -> new RangeMap());
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
    RangeMap m = domains.computeIfAbsent(domain, d -> new RangeMap());
    remove(m, iova, size);
    int p = Runs.perm(read, write);
    long start = iova;
    long len = size;
    long target = gpa;
    Range before = m.lower(iova);
    if (before != null && before.end() == iova && before.target() + before.length() == gpa && before.tag() == p) {
      start = before.start();
      len += before.length();
      target = before.target();
    }
    Range after = m.get(iova + size);
    if (after != null && after.target() == gpa + size && after.tag() == p) {
      len += after.length();
      m.remove(iova + size);
    }
    m.put(start, target, len, p);
  }

  public void unmap(String domain, long iova, long size) {
    RangeMap m = domains.get(domain);
    if (m != null) remove(m, iova, size);
  }

  private static void remove(RangeMap m, long iova, long size) {
    long end = iova + size;
    Range e = m.lower(iova);
    if (e != null && e.end() > iova) {
      // split the run that starts before iova
      m.put(e.start(), e.target(), iova - e.start(), e.tag());
      if (e.end() > end) m.put(end, e.target() + (end - e.start()), e.end() - end, e.tag());
    }
    // the last run starting inside [iova, end) may reach past end: keep its tail
    Range last = end > iova ? m.lower(end) : null;
    if (last != null && last.start() >= iova && last.end() > end) {
      m.put(end, last.target() + (end - last.start()), last.end() - end, last.tag());
    }
    m.removeStartingIn(iova, end);
  }

  /** The intended translation of {@code iova} for {@code device}: the run containing it. */
  public Optional<MappedRange> translate(String device, long iova) {
    String d = attached.get(device);
    RangeMap m = d == null ? null : domains.get(d);
    if (m == null) return Optional.empty();
    Range r = m.floor(iova);
    if (r == null || r.end() <= iova) return Optional.empty();
    return Optional.of(new MappedRange(r.start(), r.target(), r.length(), (r.tag() & 1) != 0, (r.tag() & 2) != 0));
  }

  /** Every intended run of {@code domain}, in IOVA order. */
  public List<MappedRange> mappings(String domain) {
    Runs r = new Runs();
    RangeMap m = domains.get(domain);
    if (m != null) m.forEach((k, gpa, len, perm) -> r.add(k, len, gpa, perm));
    return r.toList();
  }

  /** The intended runs for {@code device} that overlap [start, end), clipped to it. */
  Runs expected(String device, long start, long end) {
    Runs r = new Runs();
    String d = attached.get(device);
    RangeMap m = d == null ? null : domains.get(d);
    if (m == null) return r;
    Range floor = m.floor(start);
    long from = floor == null ? start : floor.start();
    m.forEachStartingIn(from, end, (k, gpa, len, perm) -> {
      long a = Math.max(k, start);
      long b = Math.min(k + len, end);
      if (a < b) r.add(a, b - a, gpa + (a - k), perm);
    });
    return r;
  }
}
