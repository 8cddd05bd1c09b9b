package io.vtdsim.harness.scenario;

import io.vtdsim.driver.Direction;
import java.util.List;

/**
 * One scenario step. Every step carries the 1-based line of the scenario file it came from ({@code
 * line}, first component; 0 when built in code) and describes itself in one line for traces.
 */
public sealed interface Step {
  int line();

  /** One line, e.g. {@code map d1 iova 0x100000 -> gpa 0x2000000 size 2MiB rw}. */
  String describe();

  /** {@code boot}: the driver initializes the remapping unit and enables translation. */
  record Boot(int line) implements Step {
    @Override
    public String describe() {
      return "boot";
    }
  }

  /** {@code attach}: put a device into a named driver domain. */
  record Attach(int line, String device, String domain) implements Step {
    @Override
    public String describe() {
      return "attach " + device + " to domain " + domain;
    }
  }

  /** {@code map}: IOMMU API map of {@code [iova, iova+size)} to {@code gpa} with {@code perm} r | w | rw. */
  record MapRange(int line, String domain, long iova, long gpa, long size, Perm perm) implements Step {
    public boolean read() {
      return perm.read();
    }

    public boolean write() {
      return perm.write();
    }

    @Override
    public String describe() {
      return "map " + domain + " iova " + Units.hex(iova) + " -> gpa " + Units.hex(gpa) + " size "
          + Units.formatSize(size) + " " + perm.label();
    }
  }

  /** {@code dma-map}: DMA API map of a guest buffer; the returned IOVA is remembered as handle {@code as}. */
  record DmaMap(int line, String device, long gpa, long size, Direction dir, String as) implements Step {
    @Override
    public String describe() {
      return "dma-map " + device + " gpa " + Units.hex(gpa) + " size " + Units.formatSize(size) + " " + dir.label()
          + (as != null ? " as " + as : "");
    }
  }

  /**
   * {@code dma-map-sg}: DMA API scatter-gather map (dma_map_sg) of {@code segments} for {@code device}
   * into one IOVA range; handle {@code as} names the list (its first segment's IOVA), {@code as.N} its
   * segment N. {@code maxSegmentSize} and {@code segmentBoundary} (bytes, a power of two) are the
   * device's limits, null for PCI's defaults (64 KiB, 4 GiB).
   */
  record DmaMapSg(int line, String device, List<SgSegment> segments, Direction dir, String as, Long maxSegmentSize,
      Long segmentBoundary) implements Step {
    /** Segments shown in {@link #describe}; the rest are counted. */
    static final int DESCRIBED = 4;

    public DmaMapSg {
      segments = List.copyOf(segments);
    }

    @Override
    public String describe() {
      StringBuilder sb = new StringBuilder("dma-map-sg " + device + " " + segments.size() + " segment"
          + (segments.size() == 1 ? "" : "s") + " [");
      for (int i = 0; i < Math.min(DESCRIBED, segments.size()); i++) {
        if (i > 0) sb.append(", ");
        sb.append(Units.hex(segments.get(i).gpa())).append(" +").append(Units.formatSize(segments.get(i).size()));
      }
      if (segments.size() > DESCRIBED) sb.append(", ... ").append(segments.size() - DESCRIBED).append(" more");
      sb.append("] ").append(dir.label());
      if (maxSegmentSize != null) sb.append(" max-segment-size ").append(Units.formatSize(maxSegmentSize));
      if (segmentBoundary != null) sb.append(" segment-boundary ").append(Units.formatSize(segmentBoundary));
      return sb.append(as != null ? " as " + as : "").toString();
    }
  }

  /** One {@code dma-map-sg} segment: {@code size} bytes of guest memory at {@code gpa}; {@code line} of its list item. */
  record SgSegment(int line, long gpa, long size) {}

  /**
   * {@code dma}: the device reads or writes {@code len} bytes at a handle's IOVA ({@code at}) or at an
   * explicit {@code iova} (exactly one of the two is set), expecting {@code ok} or {@code fault}.
   */
  record Dma(int line, String device, String at, Long iova, DmaOp op, int len, DmaExpect expect) implements Step {
    @Override
    public String describe() {
      return "dma " + device + " " + op.label() + " " + len + " B at " + (at != null ? at : Units.hex(iova))
          + " expect " + expect.label();
    }
  }

  /** {@code dma-unmap}: DMA API unmap of the buffer a {@code dma-map} named, or of a {@code dma-map-sg} list. */
  record DmaUnmap(int line, String handle) implements Step {
    @Override
    public String describe() {
      return "dma-unmap " + handle;
    }
  }

  /** {@code unmap}: IOMMU API unmap of {@code [iova, iova+size)}. */
  record UnmapRange(int line, String domain, long iova, long size) implements Step {
    @Override
    public String describe() {
      return "unmap " + domain + " iova " + Units.hex(iova) + " size " + Units.formatSize(size);
    }
  }

  /** {@code detach}: take a device out of its domain. */
  record Detach(int line, String device) implements Step {
    @Override
    public String describe() {
      return "detach " + device;
    }
  }

  /**
   * {@code shutdown}: the guest shuts down; the driver turns translation off where its era does
   * (intel_iommu_shutdown, Linux ≥5.1). Only {@code dma} and {@code advance} steps may follow.
   */
  record Shutdown(int line) implements Step {
    @Override
    public String describe() {
      return "shutdown";
    }
  }

  /** {@code advance}: let simulated time pass (timers such as the lazy flush queue fire). */
  record Advance(int line, long nanos) implements Step {
    @Override
    public String describe() {
      return "advance " + Units.formatDuration(nanos);
    }
  }

  /** {@code repeat}: run {@code steps} {@code times} times. */
  record Repeat(int line, int times, List<Step> steps) implements Step {
    public Repeat {
      steps = List.copyOf(steps);
    }

    @Override
    public String describe() {
      return "repeat " + times + "x (" + steps.size() + " step" + (steps.size() == 1 ? "" : "s") + ")";
    }
  }
}
