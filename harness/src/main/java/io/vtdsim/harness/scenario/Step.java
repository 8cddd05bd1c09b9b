package io.vtdsim.harness.scenario;

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
  record MapRange(int line, String domain, long iova, long gpa, long size, String perm) implements Step {
    public boolean read() {
      return perm.contains("r");
    }

    public boolean write() {
      return perm.contains("w");
    }

    @Override
    public String describe() {
      return "map " + domain + " iova " + Units.hex(iova) + " -> gpa " + Units.hex(gpa) + " size "
          + Units.formatSize(size) + " " + perm;
    }
  }

  /** {@code dma-map}: DMA API map of a guest buffer; the returned IOVA is remembered as handle {@code as}. */
  record DmaMap(int line, String device, long gpa, long size, String dir, String as) implements Step {
    @Override
    public String describe() {
      return "dma-map " + device + " gpa " + Units.hex(gpa) + " size " + Units.formatSize(size) + " " + dir
          + (as != null ? " as " + as : "");
    }
  }

  /**
   * {@code dma}: the device reads or writes {@code len} bytes at a handle's IOVA ({@code at}) or at an
   * explicit {@code iova} (exactly one of the two is set), expecting {@code ok} or {@code fault}.
   */
  record Dma(int line, String device, String at, Long iova, String op, int len, String expect) implements Step {
    @Override
    public String describe() {
      return "dma " + device + " " + op + " " + len + " B at " + (at != null ? at : Units.hex(iova))
          + " expect " + expect;
    }
  }

  /** {@code dma-unmap}: DMA API unmap of the buffer a {@code dma-map} named. */
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
