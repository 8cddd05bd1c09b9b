package io.vtdsim.harness.oracle;

import io.vtdsim.emu.host.NestedHwpt;
import java.util.ArrayList;
import java.util.List;

/** The oracle's view of a nested HWPT. */
record HwptHostView(NestedHwpt hwpt) implements NestedHostView {
  @Override
  public NestedHwpt.Attachment attachment() {
    return hwpt.attachment();
  }

  @Override
  public long pgtbl() {
    return hwpt.pgtblAddr();
  }

  @Override
  public int levels() {
    return hwpt.levels();
  }

  @Override
  public List<MappedRange> cached() {
    List<MappedRange> out = new ArrayList<>();
    for (NestedHwpt.CachedTranslation t : hwpt.cachedTranslations()) {
      out.add(new MappedRange(t.iova(), t.address(), t.size(), true, t.writable()));
    }
    return out;
  }

  @Override
  public HostView stage2() {
    return HostView.of(hwpt.stage2());
  }
}
