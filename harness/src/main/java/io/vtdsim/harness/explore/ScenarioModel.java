package io.vtdsim.harness.explore;

import io.vtdsim.driver.Direction;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.harness.scenario.DeviceSpec;
import io.vtdsim.harness.scenario.DmaExpect;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.Step;
import io.vtdsim.harness.testbed.TestBed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The explorer's own model of a scenario's guest state: which device is in which domain, which IOVA
 * ranges each domain maps (IOMMU API) and which DMA-API buffers are live. It says whether a step is
 * legal now (the driver and the loader accept it, and its outcome is predictable) and what a
 * {@code dma} step must give. {@link ScenarioGenerator} proposes steps against it; {@link Shrinker}
 * replays candidates through it to drop steps that lost what they depend on and to correct DMA
 * expectations.
 *
 * <p>IOVA layout rules that keep outcomes predictable without copying the driver's IOVA allocator:
 * the DMA API allocates top-down below 4 GiB (as Linux iova.c), so IOMMU-API ranges live below
 * {@link #LOW_IOVA_LIMIT}; a range above it (near the interrupt window) is allowed only in a domain
 * that never had a DMA-API buffer, and such a domain takes no DMA-API buffers afterwards.
 */
final class ScenarioModel {
  static final long PAGE = Page.SIZE;
  static final long SUPERPAGE = 0x20_0000;
  /** IOMMU-API ranges below this never meet DMA-API IOVAs. */
  static final long LOW_IOVA_LIMIT = 0xC000_0000L;
  /** Lowest guest-physical address the explorer uses for buffers (leaves the low 16 MiB alone). */
  static final long GPA_BASE = 0x100_0000;

  /** One IOMMU-API mapping as the model knows it. */
  record Range(long iova, long gpa, long size, boolean read, boolean write) {
    long end() {
      return iova + size;
    }

    /** True when the driver may have used a 2 MiB (or larger) page for part of it. */
    boolean mayHoldSuperpage() {
      if (((iova - gpa) & (SUPERPAGE - 1)) != 0) return false;
      long first = (iova + SUPERPAGE - 1) & -SUPERPAGE;
      return first + SUPERPAGE <= end();
    }
  }

  static final class Domain {
    final TreeMap<Long, Range> ranges = new TreeMap<>();
    boolean dmaApiUsed;
    boolean highUsed;
  }

  /**
   * A DMA-API buffer: a {@code dma-map} handle, a {@code dma-map-sg} list (its first segment) or one of
   * the list's segments ({@code segment}: {@code as.N}, unmapped only with its list).
   */
  record Handle(String device, String domain, long gpa, long size, Direction dir, boolean live, boolean segment) {}

  /** Longest generated scatterlist segment: PCI's default max segment size (dma_set_max_seg_size), so none is split. */
  static final long MAX_SG_SEGMENT = 0x1_0000;

  private final Map<String, DeviceSpec> devices = new TreeMap<>();
  private final long gpaLimit;
  private boolean booted;
  /**
   * The unit offers first-stage translation: a domain may be first-stage (the driver's era decides),
   * and x86-64 paging has no write-only page, so whether a write-only map can be read is not told.
   */
  private final boolean firstStageOffered;
  private final Map<String, String> attached = new TreeMap<>();
  private final Map<String, Domain> domains = new TreeMap<>();
  private final Map<String, Handle> handles = new TreeMap<>();

  ScenarioModel(Scenario base) {
    for (DeviceSpec d : base.devices()) devices.put(d.id(), d);
    this.gpaLimit = gpaLimit(base.machine().ramBytesOrDefault());
    this.firstStageOffered = base.machine().fltsOrPreset();
  }

  /** End of the guest RAM the explorer hands out: low RAM below the driver's table pool (as TestBed places it). */
  static long gpaLimit(long ramBytes) {
    RamRegion low = GuestMemory.q35(ramBytes).regions().get(0);
    long pool = Math.min(TestBed.MAX_TABLE_POOL, (low.size() / 4) & ~(PAGE - 1));
    return low.end() - pool;
  }

  long gpaLimit() {
    return gpaLimit;
  }

  boolean booted() {
    return booted;
  }

  List<String> deviceIds() {
    return List.copyOf(devices.keySet());
  }

  DeviceSpec device(String id) {
    return devices.get(id);
  }

  /** The domain a device is attached to (by a scenario attach), or null. */
  String domainOf(String device) {
    return attached.get(device);
  }

  List<String> domainNames() {
    return List.copyOf(domains.keySet());
  }

  Domain domain(String name) {
    return domains.get(name);
  }

  boolean hasHandle(String name) {
    return handles.containsKey(name);
  }

  /** Live DMA-API buffers, by name. */
  Map<String, Handle> liveHandles() {
    Map<String, Handle> out = new TreeMap<>();
    handles.forEach((k, h) -> {
      if (h.live()) out.put(k, h);
    });
    return out;
  }

  // ---- legality -----------------------------------------------------------------------------

  /** Null when {@code step} is legal now, else why not. */
  String illegal(Step step) {
    if (step instanceof Step.Boot) return booted ? "booted twice" : null;
    if (!booted && !(step instanceof Step.Advance)) return "before boot";
    if (step instanceof Step.Attach a) return devices.containsKey(a.device()) ? null : "unknown device";
    if (step instanceof Step.Detach d) return attached.containsKey(d.device()) ? null : "device not attached";
    if (step instanceof Step.MapRange m) return illegalMap(m);
    if (step instanceof Step.UnmapRange u) return illegalUnmap(u);
    if (step instanceof Step.DmaMap m) return illegalDmaMap(m);
    if (step instanceof Step.DmaMapSg m) return illegalDmaMapSg(m);
    if (step instanceof Step.DmaUnmap u) {
      Handle h = handles.get(u.handle());
      if (h == null || !h.live()) return "no live buffer " + u.handle();
      if (h.segment()) return "a segment is unmapped only with its list";
      return h.domain().equals(attached.get(h.device())) ? null : "buffer's device left its domain";
    }
    if (step instanceof Step.Dma d) return expectationOf(d) == null ? "DMA outcome not predictable" : null;
    if (step instanceof Step.Advance) return null;
    return "step kind not modelled: " + step.describe();
  }

  private String illegalMap(Step.MapRange m) {
    Domain d = domains.get(m.domain());
    if (d == null) return "unknown domain";
    if (((m.iova() | m.gpa() | m.size()) & (PAGE - 1)) != 0 || m.size() <= 0) return "unaligned";
    if (!usableGpa(m.gpa(), m.size())) return "gpa not usable";
    if (overlaps(d, m.iova(), m.size())) return "iova already mapped";
    if (m.iova() + m.size() > LOW_IOVA_LIMIT && d.dmaApiUsed) return "high iova in a DMA-API domain";
    return null;
  }

  private String illegalUnmap(Step.UnmapRange u) {
    Domain d = domains.get(u.domain());
    if (d == null) return "unknown domain";
    if (((u.iova() | u.size()) & (PAGE - 1)) != 0 || u.size() <= 0) return "unaligned";
    if (u.iova() + u.size() > LOW_IOVA_LIMIT && d.dmaApiUsed) return "high iova in a DMA-API domain";
    long end = u.iova() + u.size();
    for (Range r : overlapping(d, u.iova(), u.size())) {
      boolean partial = r.iova() < u.iova() || r.end() > end;
      if (partial && r.mayHoldSuperpage()) return "partial unmap of a range that may hold a superpage";
    }
    return null;
  }

  private String illegalDmaMap(Step.DmaMap m) {
    String domain = attached.get(m.device());
    if (domain == null) return "device not attached";
    if (domains.get(domain).highUsed) return "DMA API in a domain with high IOMMU-API ranges";
    if (m.size() <= 0 || !usableGpa(m.gpa(), m.size())) return "gpa not usable";
    if (m.as() == null || handles.containsKey(m.as())) return "buffer needs a new name";
    return null;
  }

  /**
   * The lists the model predicts: whole-page segments of at most {@link #MAX_SG_SEGMENT} with the
   * default limits, so that no era pads or splits them (dma-iommu.c pads only across a segment
   * boundary, 4 GiB by default) and every segment's pages are mapped and nothing else.
   */
  private String illegalDmaMapSg(Step.DmaMapSg m) {
    String domain = attached.get(m.device());
    if (domain == null) return "device not attached";
    if (domains.get(domain).highUsed) return "DMA API in a domain with high IOMMU-API ranges";
    if (m.segments().isEmpty()) return "no segments";
    if (m.maxSegmentSize() != null || m.segmentBoundary() != null) return "segment limits not modelled";
    for (Step.SgSegment g : m.segments()) {
      if (((g.gpa() | g.size()) & (PAGE - 1)) != 0) return "segment not whole pages";
      if (g.size() > MAX_SG_SEGMENT || !usableGpa(g.gpa(), g.size())) return "segment gpa not usable";
    }
    if (m.as() == null || handles.containsKey(m.as())) return "buffer needs a new name";
    for (int i = 0; i < m.segments().size(); i++) {
      if (handles.containsKey(m.as() + "." + i)) return "segment name in use";
    }
    return null;
  }

  boolean usableGpa(long gpa, long size) {
    return gpa >= GPA_BASE && size > 0 && gpa + size <= gpaLimit;
  }

  /**
   * What a {@code dma} step must give now, ignoring its written {@code expect}: ok, fault, or null
   * when the model cannot tell (then the step is not legal).
   */
  DmaExpect expectationOf(Step.Dma d) {
    if (!booted || !devices.containsKey(d.device()) || d.len() <= 0) return null;
    boolean write = d.op().write();
    String domainName = attached.get(d.device());
    if (d.at() != null) {
      Handle h = handles.get(d.at());
      if (h == null || !h.live() || !h.domain().equals(domainName) || d.len() > h.size()) return null;
      boolean canRead = h.dir().deviceReads(); // a from-device buffer's read permission depends on the era (ZLR)
      boolean canWrite = h.dir().deviceWrites();
      if (write) return canWrite ? DmaExpect.OK : DmaExpect.FAULT;
      return canRead ? DmaExpect.OK : null;
    }
    long iova = d.iova();
    long end = iova + d.len();
    if (end <= iova) return null;
    if (InterruptRange.overlaps(iova, d.len())) return null; // interrupt messages, not DMA
    if (domainName == null) return DmaExpect.FAULT; // detached: no context entry
    Domain dom = domains.get(domainName);
    if (end > LOW_IOVA_LIMIT && dom.dmaApiUsed) return null;
    long at = iova & -PAGE;
    while (at < end) {
      Range r = rangeAt(dom, at);
      if (r == null) return DmaExpect.FAULT;
      if (!write && !r.read() && firstStageOffered) return null;
      if (write ? !r.write() : !r.read()) return DmaExpect.FAULT;
      at = r.end();
    }
    return DmaExpect.OK;
  }

  // ---- effects ------------------------------------------------------------------------------

  /** Applies a legal step. */
  void apply(Step step) {
    if (step instanceof Step.Boot) {
      booted = true;
    } else if (step instanceof Step.Attach a) {
      attached.put(a.device(), a.domain());
      domains.computeIfAbsent(a.domain(), k -> new Domain());
    } else if (step instanceof Step.Detach d) {
      attached.remove(d.device());
    } else if (step instanceof Step.MapRange m) {
      Domain d = domains.get(m.domain());
      d.ranges.put(m.iova(), new Range(m.iova(), m.gpa(), m.size(), m.read(), m.write()));
      if (m.iova() + m.size() > LOW_IOVA_LIMIT) d.highUsed = true;
    } else if (step instanceof Step.UnmapRange u) {
      unmap(domains.get(u.domain()), u.iova(), u.size());
    } else if (step instanceof Step.DmaMap m) {
      String domain = attached.get(m.device());
      domains.get(domain).dmaApiUsed = true;
      handles.put(m.as(), new Handle(m.device(), domain, m.gpa(), m.size(), m.dir(), true, false));
    } else if (step instanceof Step.DmaMapSg m) {
      String domain = attached.get(m.device());
      domains.get(domain).dmaApiUsed = true;
      Step.SgSegment first = m.segments().get(0);
      handles.put(m.as(), new Handle(m.device(), domain, first.gpa(), first.size(), m.dir(), true, false));
      for (int i = 0; i < m.segments().size(); i++) {
        Step.SgSegment g = m.segments().get(i);
        handles.put(m.as() + "." + i, new Handle(m.device(), domain, g.gpa(), g.size(), m.dir(), true, true));
      }
    } else if (step instanceof Step.DmaUnmap u) {
      handles.replaceAll((name, h) -> name.equals(u.handle()) || name.startsWith(u.handle() + ".") && h.segment()
          ? new Handle(h.device(), h.domain(), h.gpa(), h.size(), h.dir(), false, h.segment()) : h);
    }
  }

  private static void unmap(Domain d, long iova, long size) {
    long end = iova + size;
    for (Range r : overlapping(d, iova, size)) {
      d.ranges.remove(r.iova());
      if (r.iova() < iova) d.ranges.put(r.iova(), new Range(r.iova(), r.gpa(), iova - r.iova(), r.read(), r.write()));
      if (r.end() > end) {
        d.ranges.put(end, new Range(end, r.gpa() + (end - r.iova()), r.end() - end, r.read(), r.write()));
      }
    }
  }

  // ---- queries ------------------------------------------------------------------------------

  static Range rangeAt(Domain d, long iova) {
    Map.Entry<Long, Range> e = d.ranges.floorEntry(iova);
    return e != null && e.getValue().end() > iova ? e.getValue() : null;
  }

  static boolean overlaps(Domain d, long iova, long size) {
    return !overlapping(d, iova, size).isEmpty();
  }

  static List<Range> overlapping(Domain d, long iova, long size) {
    List<Range> out = new ArrayList<>();
    Map.Entry<Long, Range> first = d.ranges.floorEntry(iova);
    long from = first != null && first.getValue().end() > iova ? first.getKey() : iova;
    for (Range r : d.ranges.subMap(from, true, iova + size, false).values()) {
      if (r.end() > iova) out.add(r);
    }
    return out;
  }

  // ---- replay -------------------------------------------------------------------------------

  /**
   * The result of replaying a step list: the steps kept (each DMA's {@code expect} set to what the
   * model predicts) and how many were dropped as illegal or changed.
   */
  record Replay(List<Step> steps, int dropped, int corrected) {}

  /** Replays {@code steps} on a fresh model of {@code base}, dropping illegal steps and correcting DMA expectations. */
  static Replay replay(Scenario base, List<Step> steps) {
    ScenarioModel m = new ScenarioModel(base);
    List<Step> kept = new ArrayList<>();
    int dropped = 0;
    int corrected = 0;
    for (Step s : steps) {
      if (m.illegal(s) != null) {
        dropped++;
        continue;
      }
      if (s instanceof Step.Dma d) {
        DmaExpect expect = m.expectationOf(d);
        if (expect != d.expect()) {
          s = new Step.Dma(d.line(), d.device(), d.at(), d.iova(), d.op(), d.len(), expect);
          corrected++;
        }
      }
      m.apply(s);
      kept.add(s);
    }
    return new Replay(kept, dropped, corrected);
  }
}
