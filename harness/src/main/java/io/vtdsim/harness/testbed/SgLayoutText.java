package io.vtdsim.harness.testbed;

import io.vtdsim.driver.SgMapping;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.harness.scenario.Units;
import java.util.List;

/** The text of a {@code harness.dma-sg} event: the layout dma_map_sg returned. */
final class SgLayoutText {
  /** Segments and DMA segments listed; the rest are counted. */
  static final int LISTED = 8;

  private SgLayoutText() {}

  /**
   * "IOVA [0xfffe0000, +120KiB): segment 0 at 0xfffe0000 (+52KiB padding), segment 1 at 0xffff0000;
   * 2 DMA segments: 0xfffe0000 +12KiB, 0xffff0000 +56KiB".
   */
  static String of(SgMapping m) {
    StringBuilder sb = new StringBuilder("IOVA [").append(Units.hex(m.iova())).append(", +")
        .append(Units.formatSize(m.bytes())).append("):");
    List<SgMapping.Segment> segs = m.segments();
    for (int i = 0; i < Math.min(LISTED, segs.size()); i++) {
      SgMapping.Segment s = segs.get(i);
      long pages = ((s.gpa() & Page.OFFSET_MASK) + s.size() + Page.OFFSET_MASK) & ~Page.OFFSET_MASK;
      sb.append(i == 0 ? " " : ", ").append("segment ").append(i).append(" at ").append(Units.hex(s.iova()));
      if (s.mappedBytes() > pages) sb.append(" (+").append(Units.formatSize(s.mappedBytes() - pages)).append(" padding)");
    }
    if (segs.size() > LISTED) sb.append(", ... ").append(segs.size() - LISTED).append(" more");
    List<SgMapping.DmaSegment> dma = m.dmaSegments();
    sb.append("; ").append(dma.size()).append(" DMA segment").append(dma.size() == 1 ? "" : "s").append(':');
    for (int i = 0; i < Math.min(LISTED, dma.size()); i++) {
      sb.append(i == 0 ? " " : ", ").append(Units.hex(dma.get(i).address())).append(" +")
          .append(Units.formatSize(dma.get(i).length()));
    }
    if (dma.size() > LISTED) sb.append(", ... ").append(dma.size() - LISTED).append(" more");
    return sb.toString();
  }
}
