package io.vtdsim.harness.oracle;

import java.util.List;
import java.util.Optional;

/**
 * What the oracle reads of one assigned device's host IOMMU container: the current mappings. The
 * TestBed adapts a {@code HostContainer}; tests may plant any content.
 */
public interface HostView {
  /** Every mapping, sorted by IOVA. */
  List<MappedRange> mappings();

  /** The mapping containing {@code iova}, if any (used to check small ranges without a full listing). */
  Optional<MappedRange> lookup(long iova);
}
