package io.vtdsim.harness.oracle;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.spec.Page;
import java.util.List;
import java.util.Optional;

/**
 * What the oracle reads of one assigned device's host IOMMU container: the current mappings. The
 * TestBed adapts a {@code HostContainer}; tests may plant any content.
 */
public interface HostView {
  /** Every mapping, sorted by IOVA. */
  List<MappedRange> mappings();

  /** One mapping, as {@link #forEachMapping} hands it over. */
  @FunctionalInterface
  interface MappingVisitor {
    void mapping(long iova, long gpa, long size, boolean read, boolean write);
  }

  /** Every mapping in IOVA order, as {@link #mappings} lists them; a container may hand them over without a list. */
  default void forEachMapping(MappingVisitor v) {
    for (MappedRange m : mappings()) v.mapping(m.iova(), m.gpa(), m.size(), m.read(), m.write());
  }

  /** The mapping containing {@code iova}, if any (used to check small ranges without a full listing). */
  Optional<MappedRange> lookup(long iova);

  /**
   * The mappings overlapping [start, end), sorted by IOVA. The default finds them with
   * {@link #lookup} page by page; a container with a range query should override it.
   */
  default List<MappedRange> mappingsIn(long start, long end) {
    List<MappedRange> out = new java.util.ArrayList<>();
    long x = start;
    while (x < end) {
      Optional<MappedRange> m = lookup(x);
      if (m.isPresent()) {
        out.add(m.get());
        x = Math.max(m.get().end(), x + 1);
      } else {
        x = (x & ~Page.OFFSET_MASK) + Page.SIZE;
      }
    }
    return out;
  }

  /** The view of a host container. */
  static HostView of(HostContainer container) {
    return new ContainerHostView(container);
  }
}
