package io.vtdsim.harness.oracle;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The oracle's view of a host container. */
record ContainerHostView(HostContainer container) implements HostView {
  @Override
  public List<MappedRange> mappings() {
    List<HostMapping> l = container.mappings();
    // a view, not a copy: a million mappings are converted one at a time as the oracle reads them
    return new AbstractList<>() {
      @Override
      public MappedRange get(int i) {
        return of(l.get(i));
      }

      @Override
      public int size() {
        return l.size();
      }
    };
  }

  @Override
  public void forEachMapping(MappingVisitor v) {
    container.forEachMapping(v::mapping);
  }

  @Override
  public List<MappedRange> mappingsIn(long start, long end) {
    List<HostMapping> l = container.mappingsIn(start, end);
    List<MappedRange> out = new ArrayList<>(l.size());
    for (HostMapping m : l) out.add(of(m));
    return out;
  }

  @Override
  public Optional<MappedRange> lookup(long iova) {
    return container.lookup(iova).map(ContainerHostView::of);
  }

  private static MappedRange of(HostMapping m) {
    return new MappedRange(m.iova(), m.gpa(), m.size(), m.read(), m.write());
  }
}
