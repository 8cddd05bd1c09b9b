package io.vtdsim.harness.oracle;

import io.vtdsim.emu.host.NestedHwpt;
import java.util.List;

/**
 * What the oracle reads of one assigned device behind an iommufd nested HWPT: where the device is
 * attached, the guest table the host was bound to, the composed translations the host IOTLB caches,
 * and the VMM's stage 2. Read-only; the oracle walks the bound table itself and never asks the HWPT
 * to translate. Tests may plant any content.
 */
public interface NestedHostView {
  NestedHwpt.Attachment attachment();

  /** The guest first-stage table the HWPT is bound to (meaningful when attached nested). */
  long pgtbl();

  /** Its paging levels, 4 or 5 (meaningful when attached nested). */
  int levels();

  /** The cached composed translations, sorted by IOVA: [iova, +size) → final address, read always. */
  List<MappedRange> cached();

  /** The nesting parent: guest-physical → the VMM's addresses. */
  HostView stage2();

  /** The view of a nested HWPT. */
  static NestedHostView of(NestedHwpt hwpt) {
    return new HwptHostView(hwpt);
  }
}
