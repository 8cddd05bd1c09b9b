package io.vtdsim.harness.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** A host container stand-in whose content a test plants directly. */
final class FakeHost implements HostView {
  private final TreeMap<Long, MappedRange> m = new TreeMap<>();

  FakeHost map(long iova, long gpa, long size, boolean r, boolean w) {
    m.put(iova, new MappedRange(iova, gpa, size, r, w));
    return this;
  }

  FakeHost unmap(long iova) {
    m.remove(iova);
    return this;
  }

  @Override
  public List<MappedRange> mappings() {
    return new ArrayList<>(m.values());
  }

  @Override
  public Optional<MappedRange> lookup(long iova) {
    Map.Entry<Long, MappedRange> e = m.floorEntry(iova);
    return e != null && e.getValue().end() > iova ? Optional.of(e.getValue()) : Optional.empty();
  }
}
