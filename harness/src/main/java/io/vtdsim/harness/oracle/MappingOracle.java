package io.vtdsim.harness.oracle;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventIntake;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.spec.InterruptRange;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.oracle.ReferenceWalker.Context;
import io.vtdsim.harness.oracle.ReferenceWalker.ContextKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mapping invariant of caching mode, checked at quiescent points (after a step's driver call and
 * its invalidations returned), for each assigned device:
 *
 * <ul>
 *   <li>translation on and a present multi-level context: the host container's mappings equal the
 *       leaf translations of the guest tables (read by the oracle's own {@link ReferenceWalker}), and
 *       the guest tables equal the {@link IntentModel intent};
 *   <li>translation off or a pass-through context: the host maps guest RAM identically;
 *   <li>host.error events and queue errors (vtd.iqe) are violations in themselves — except an
 *       iommufd ENOENT on an unmap: QEMU's iommufd backend (iommufd_backend_unmap_dma) treats it
 *       as success, because a vIOMMU legitimately unmaps ranges that hold nothing (e.g. the chunked
 *       unmap of a whole notifier range when a context entry goes away). The kernel also answers
 *       ENOENT to an unmap that would cut a mapping (iopt_unmap_iova_range), which QEMU swallows the
 *       same way: the mapping stays in the host, and the comparison reports it as stale. It is still
 *       a host.error event, so the host-errors counter shows the calls.
 * </ul>
 *
 * <p>A device behind an iommufd nested HWPT ({@link #addNestedDevice}) is checked for what it can
 * reach: the guest's own stage 1 (the oracle's first-stage walk of the RID_PASID entry's table; with
 * translation off or a pass-through entry the identity of RAM; a legacy or second-stage context is
 * what the guest asked for too) composed with the VMM's stage 2 must equal what the host lets the
 * device reach — the HWPT's cached translations where it has them (stale ones included), elsewhere
 * the oracle's walk of the table the HWPT is bound to through stage 2, or stage 2 itself when
 * attached to the parent, or nothing when blocked. A cached translation the guest's stage 1 no
 * longer maps is a {@code stale-mapping}; guest mappings the device can not reach are
 * {@code missing-mapping}s (a legacy or second-stage guest under nesting: the device is blocked).
 *
 * <p>Incremental by default: it listens to the event log and compares only the IOVA ranges a step
 * touched (driver calls, notifier events, host calls, intent changes); events that change a whole
 * address space (TE/SRTP, context invalidations, domain/global IOTLB flushes, address-space
 * switches) or a large touched span make it compare everything. {@link #check} with {@code full}
 * always compares everything.
 *
 * <p>IOVAs in the interrupt address range ({@link InterruptRange}) are not DMA-remapped (VT-d spec
 * 3.15: requests there are interrupt messages), so no host container can map them (as QEMU, whose
 * vfio notifiers cover the space below and above that window only): they are left out of the host
 * comparison. Guest mappings whose target is not RAM are left out too (vfio maps RAM only).
 *
 * <p>When the guest's tables are too tangled to read in full (the {@link ReferenceWalker} stopped at
 * a budget: tables reached through very many entries), the range can not be checked: the oracle
 * emits {@value #EV_WALK_ABORTED} and reports a {@code missing-mapping} violation whose detail says
 * the walk was aborted and why, instead of comparing against a partial reading.
 */
public final class MappingOracle {
  /** Touched spans larger than this (bytes) are checked with one full comparison instead. */
  static final long FULL_CHECK_THRESHOLD = 256L << 20;

  /** Event kinds the oracle emits. */
  public static final String EV_STALE_WINDOW = EventKind.STALE_WINDOW.label();
  public static final String EV_WALK_ABORTED = EventKind.WALK_ABORTED.label();

  /** Tells whether a host mapping that the guest no longer has may linger (lazy mode's flush queue). */
  @FunctionalInterface
  public interface StaleAllowance {
    boolean allows(String device, long iova, long size);

    StaleAllowance NONE = (d, i, s) -> false;
  }

  private record Device(String id, SourceId sid, HostView host, String container, NestedHostView nested) {}

  private final GuestMemory mem;
  private final MachineView machine;
  private final IntentModel intent;
  private final EventLog log;
  private final ReferenceWalker walker;
  private final Map<String, Device> devices = new LinkedHashMap<>();
  private final Map<String, String> deviceOfContainer = new HashMap<>();
  private StaleAllowance staleAllowance = StaleAllowance.NONE;

  // what happened since the last check (fed by the event log)
  private final TouchedRanges touched = new TouchedRanges();
  private boolean touchAll;
  private final List<Event> hostErrors = new ArrayList<>();
  private final List<Event> queueErrors = new ArrayList<>();
  /** Host errors kept per check at most (the rest are counted into the last one's detail). */
  static final int MAX_HOST_ERRORS_PER_CHECK = 10_000;
  private long droppedHostErrors;
  /** When a host unmap hit an open stale window since the last check: device → window IOVA → time. */
  private final Map<String, Map<Long, Long>> windowUnmapTimes = new HashMap<>();

  // open lazy stale windows per device, keyed by IOVA
  private final Map<String, TreeMap<Long, StaleWindow>> openWindows = new HashMap<>();
  private final List<StaleWindow> closedWindows = new ArrayList<>();
  private long fullChecks;
  private long rangeChecks;

  public MappingOracle(GuestMemory mem, MachineView machine, IntentModel intent, EventLog log) {
    this.mem = mem;
    this.machine = machine;
    this.intent = intent;
    this.log = log;
    this.walker = new ReferenceWalker(mem, machine);
    log.subscribeIntake(new Intake());
  }

  /**
   * Checks {@code host} as the address space of the assigned device {@code id}.
   *
   * @param container the host container's name, as host.* events name it
   */
  public void addDevice(String id, SourceId sid, HostView host, String container) {
    if (devices.containsKey(id)) throw new IllegalArgumentException("device already added: " + id);
    devices.put(id, new Device(id, sid, host, container, null));
    deviceOfContainer.put(container, id);
    touchAll = true;
  }

  /**
   * Checks {@code hwpt} as the nested HWPT of the assigned device {@code id} (its stage 2 is the
   * host container named {@code container}).
   */
  public void addNestedDevice(String id, SourceId sid, NestedHostView hwpt, String container) {
    if (devices.containsKey(id)) throw new IllegalArgumentException("device already added: " + id);
    if (hwpt == null) throw new IllegalArgumentException("hwpt view is required");
    devices.put(id, new Device(id, sid, hwpt.stage2(), container, hwpt));
    deviceOfContainer.put(container, id);
    touchAll = true;
  }

  public void staleAllowance(StaleAllowance allowance) {
    this.staleAllowance = allowance == null ? StaleAllowance.NONE : allowance;
  }

  public IntentModel intent() {
    return intent;
  }

  public ReferenceWalker walker() {
    return walker;
  }

  /** Marks [iova, iova+size) as changed (e.g. by an intent change) for the next incremental check. */
  public synchronized void touch(long iova, long size) {
    if (size <= 0 || touchAll) return;
    if (size >= FULL_CHECK_THRESHOLD) {
      touchAll = true;
      return;
    }
    long start = iova & ~Page.OFFSET_MASK;
    long end = Math.max(start + Page.SIZE, (iova + size + Page.OFFSET_MASK) & ~Page.OFFSET_MASK);
    touched.add(start, end);
    if (touched.bytes() >= FULL_CHECK_THRESHOLD) touchAll = true;
  }

  /** Makes the next check a full one. */
  public synchronized void touchAll() {
    touchAll = true;
  }

  /** Stale windows closed so far, then those still open. */
  public synchronized List<StaleWindow> staleWindows() {
    List<StaleWindow> out = new ArrayList<>(closedWindows);
    for (TreeMap<Long, StaleWindow> m : openWindows.values()) out.addAll(m.values());
    return out;
  }

  /** Number of full and of range-limited comparisons done (for reports and benchmarks). */
  public long fullChecks() {
    return fullChecks;
  }

  public long rangeChecks() {
    return rangeChecks;
  }

  /**
   * Checks every assigned device and returns the violations; resets what was touched.
   *
   * @param step the step index the violations are attributed to
   * @param stepText the step as written
   * @param full compare whole address spaces even if the step touched little
   */
  public synchronized List<Violation> check(int step, String stepText, boolean full) {
    List<Violation> out = new ArrayList<>();
    if (droppedHostErrors > 0 && !hostErrors.isEmpty()) {
      Event last = hostErrors.remove(hostErrors.size() - 1);
      out.add(new Violation(Violation.HOST_ERROR, step, stepText,
          deviceOfContainer.getOrDefault(String.valueOf(last.attrs().get("container")), ""), 0, 0,
          (droppedHostErrors + 1) + " more host errors in this step, e.g. " + last.text()));
    }
    for (Event e : hostErrors) {
      String dev = deviceOfContainer.getOrDefault(String.valueOf(e.attrs().get("container")), "");
      out.add(new Violation(Violation.HOST_ERROR, step, stepText, dev, num(e, "iova"), num(e, "size"),
          "host " + e.attrs().get("op") + " failed with " + e.attrs().get("errno") + ": " + e.text()));
    }
    for (Event e : queueErrors) {
      out.add(new Violation(Violation.QUEUE_ERROR, step, stepText, "", 0, 0,
          "invalidation queue error (IQE) at descriptor " + e.attrs().get("index") + ": " + e.text()));
    }
    boolean all = full || touchAll;
    List<long[]> windows = all ? new ArrayList<>() : touched.ranges();
    if (all || !windows.isEmpty()) {
      if (all) fullChecks++;
      else rangeChecks++;
      for (Device d : devices.values()) checkDevice(d, all, windows, step, stepText, out);
    }
    hostErrors.clear();
    droppedHostErrors = 0;
    queueErrors.clear();
    windowUnmapTimes.clear();
    touched.clear();
    touchAll = false;
    return out;
  }

  /**
   * One device's check in the given windows: what the guest maps (identity, or the oracle's own walk
   * checked against the intent) against what the host lets the device reach — its container for a
   * shadowed device, the nested HWPT for a nested one (see the class comment).
   */
  private void checkDevice(Device d, boolean all, List<long[]> windows, int step, String text, List<Violation> out) {
    boolean te = machine.translationEnabled();
    Context ctx = te ? walker.context(machine.rootTableAddress(), d.sid.sid()) : null;
    boolean identity = !te || ctx.kind() == ContextKind.PASS_THROUGH;
    List<RamRegion> ram = mem.regions();
    NestedHostView h = d.nested;
    Runs hostAll = all && h == null ? Runs.of(d.host) : null;
    Runs cachedAll = h != null ? Runs.of(h.cached()) : null;
    String expectedName;
    String reachName;
    if (h == null) {
      expectedName = identity ? "identity map of RAM" : "guest table";
      reachName = "host";
    } else {
      expectedName = (identity ? "identity map of RAM" : ctx.kind() == ContextKind.TRANSLATED
          ? "guest second-stage table" : "guest stage 1") + " through stage 2";
      reachName = "nested HWPT (" + h.attachment().label() + ")";
    }
    List<long[]> ranges = all ? List.of(new long[] {0, Long.MAX_VALUE}) : windows;
    List<long[]> seenStale = new ArrayList<>();
    for (long[] w : ranges) {
      long ws = w[0];
      long we = w[1];
      Runs expected = guestTargets(d, ctx, identity, ram, ws, we, step, text, out);
      if (expected == null) continue;
      Runs reach;
      if (h == null) {
        reach = all ? hostAll : hostIn(d.host, ws, we);
      } else {
        expected = expected.through(h.stage2());
        reach = nestedReach(d, h, cachedAll, ws, we, step, text, out);
        if (reach == null) continue;
      }
      // lazy mode: a stale range queued for the flush that will invalidate it is allowed
      Diff.compare(expected.without(InterruptRange.START, InterruptRange.END),
          reach.without(InterruptRange.START, InterruptRange.END), expectedName, reachName, (iova, size) -> {
            if (!staleAllowance.allows(d.id, iova, size)) return false;
            seenStale.add(new long[] {iova, size});
            return true;
          }, (k, iova, size, det) -> out.add(new Violation(k, step, text, d.id, iova, size, det)));
    }
    trackWindows(d, ranges, seenStale, step);
  }

  /**
   * What the guest maps for {@code d} in {@code [ws, we)}, as targets in RAM: the identity map of RAM
   * (translation off, pass-through), else the oracle's own walk of the guest's table, checked against
   * the intent first. Null when the walk was aborted (reported).
   */
  private Runs guestTargets(Device d, Context ctx, boolean identity, List<RamRegion> ram, long ws, long we,
      int step, String text, List<Violation> out) {
    if (identity) return Runs.identity(ram).clip(ws, we);
    Runs guest = new Runs();
    String aborted = walker.walk(ctx, ws, we, guest);
    if (aborted != null) {
      reportAbortedWalk(d, ws, we, aborted, step, text, out);
      return null;
    }
    guest = guest.clip(ws, we);
    Runs wanted = intent.expected(d.id, ws, we);
    Diff.compare(wanted, guest, "intent", "guest table", null,
        (k, iova, size, det) -> out.add(new Violation(k, step, text, d.id, iova, size, det)));
    return guest.targetsIn(ram);
  }

  /**
   * What a nested device can reach in [ws, we): blocked nothing, the parent its stage 2, a bound HWPT
   * the oracle's own walk of the bound first-stage table through stage 2; the HWPT's cached
   * translations over either. Null when the walk was aborted (reported).
   */
  private Runs nestedReach(Device d, NestedHostView h, Runs cachedAll, long ws, long we, int step, String text,
      List<Violation> out) {
    HostView stage2 = h.stage2();
    Runs base = new Runs();
    if (h.attachment() == NestedHwpt.Attachment.PARENT) {
      base = hostIn(stage2, ws, we);
    } else if (h.attachment() == NestedHwpt.Attachment.NESTED) {
      Runs bound = new Runs();
      String aborted = walker.walkFirstStage(h.pgtbl(), h.levels(), ws, we, bound);
      if (aborted != null) {
        reportAbortedWalk(d, ws, we, aborted, step, text, out);
        return null;
      }
      base = bound.clip(ws, we).through(stage2);
    }
    return base.overlaidBy(cachedAll.clip(ws, we));
  }

  /** The guest tables of [start, end) could not be read in full: say so rather than compare a partial reading. */
  private void reportAbortedWalk(Device d, long start, long end, String why, int step, String text, List<Violation> out) {
    long size = end == Long.MAX_VALUE ? 0 : end - start;
    log.emit("oracle", new EventBody.WalkAborted(d.id, start, end, why));
    out.add(new Violation(Violation.MISSING_MAPPING, step, text, d.id, start, size,
        why + "; the guest's mappings in this range could not be read in full, so the host was not checked there"));
  }

  /** Host mappings overlapping [start, end), clipped to it (a range query, no full listing). */
  private static Runs hostIn(HostView host, long start, long end) {
    Runs r = new Runs();
    for (MappedRange mr : host.mappingsIn(start, end)) {
      long s = Math.max(mr.iova(), start);
      long e = Math.min(mr.end(), end);
      if (s < e) r.add(s, e - s, mr.gpa() + (s - mr.iova()), Runs.perm(mr.read(), mr.write()));
    }
    return r;
  }

  private void trackWindows(Device d, List<long[]> checked, List<long[]> seen, int step) {
    String device = d.id;
    TreeMap<Long, StaleWindow> open = openWindows.computeIfAbsent(device, k -> new TreeMap<>());
    long now = log.clock().nanos();
    for (long[] s : seen) {
      if (!open.containsKey(s[0])) open.put(s[0], new StaleWindow(device, s[0], s[1], step, -1, now, -1));
    }
    var it = open.values().iterator();
    while (it.hasNext()) {
      StaleWindow w = it.next();
      boolean stillSeen = false;
      for (long[] s : seen) stillSeen |= s[0] == w.iova();
      boolean inChecked = false;
      for (long[] c : checked) inChecked |= w.iova() < c[1] && c[0] < w.iova() + w.size();
      if (!stillSeen && inChecked) {
        it.remove();
        // it closed when the host unmapped it (a timer may have fired inside an advance), else now
        long end = windowUnmapTimes.getOrDefault(device, Map.of()).getOrDefault(w.iova(), now);
        StaleWindow closed = new StaleWindow(device, w.iova(), w.size(), w.fromStep(), step, w.fromNanos(), end);
        closedWindows.add(closed);
        log.emit("oracle", new EventBody.StaleWindowClosed(device, closed.iova(), closed.size(), closed.fromStep(), step,
            closed.nanos(), closed.fromNanos(), closed.toNanos()));
      }
    }
  }

  // ---- event intake ----

  /** iommufd's ENOENT for an unmap (of nothing, or one that would cut a mapping), which QEMU's iommufd backend reports as success. */
  private static boolean isIgnoredByTheVmm(Event e) {
    return "unmap".equals(String.valueOf(e.attrs().get("op"))) && "ENOENT".equals(String.valueOf(e.attrs().get("errno")));
  }

  private synchronized void observe(Event e) {
    EventBody b = e.body();
    switch (b.type()) {
      case HOST_ERROR -> {
        if (isIgnoredByTheVmm(e)) break;
        if (hostErrors.size() < MAX_HOST_ERRORS_PER_CHECK) hostErrors.add(e);
        else droppedHostErrors++;
        touchRange(e, "iova", "size");
      }
      case IQE -> queueErrors.add(e);
      case HOST_UNMAP -> {
        if (b instanceof EventBody.HostUnmap u) {
          hostUnmapped(u.container(), u.iova(), u.size(), e.timeNanos());
          break;
        }
        noteUnmapOfStaleWindow(String.valueOf(e.attrs().get("container")), num(e, "iova"), num(e, "size"), e.timeNanos());
        touchRange(e, "iova", "size");
      }
      case HOST_MAP -> {
        if (b instanceof EventBody.HostMap m) touch(m.iova(), m.size());
        else touchRange(e, "iova", "size");
      }
      case NOTIFY -> {
        if (b instanceof EventBody.ShadowNotify n) touch(n.iova(), n.size());
        else touchRange(e, "iova", "size");
      }
      case WALK -> {
        if (b instanceof EventBody.ShadowWalk w) {
          touch(w.start(), w.end() - w.start());
          break;
        }
        Object s = e.attrs().get("start");
        Object en = e.attrs().get("end");
        if (s instanceof Number a && en instanceof Number c) touch(a.longValue(), c.longValue() - a.longValue());
        else touchAll = true;
      }
      case SWITCH, COMMAND, NESTED_BIND, NESTED_INVALIDATE -> touchAll = true;
      case DESCRIPTOR, REGISTER_INVALIDATION ->
          invalidated(b instanceof EventBody.Descriptor d ? d.desc() : String.valueOf(e.attrs().get("desc")));
      case DRIVER_CALL -> {
        Object iova;
        Object size;
        String op;
        if (b instanceof EventBody.DriverCall c) {
          op = c.op();
          iova = c.arg("iova");
          size = c.arg("size");
        } else {
          op = String.valueOf(e.attrs().get("op"));
          iova = e.attrs().get("iova");
          size = e.attrs().get("size");
        }
        if (op.contains("boot") || op.contains("attach") || op.contains("detach")) {
          touchAll = true; // whole address spaces change
        } else if (iova instanceof Number i && size instanceof Number z) {
          touch(i.longValue(), z.longValue());
        }
        // a DMA-API map learns its IOVA only on return: the caller touches it via the intent
      }
      default -> {}
    }
  }


  /** Lazy mode: remembers when a host unmap covered the start of an open stale window. */
  /** A context-cache, domain/global IOTLB, PASID-cache or PASID-based IOTLB invalidation changes whole address spaces. */
  private void invalidated(String desc) {
    if (desc.startsWith("cc-") || desc.equals("iotlb-global") || desc.equals("iotlb-dsi") || desc.startsWith("pc-")
        || desc.startsWith("piotlb-")) {
      touchAll = true;
    }
  }

  private void hostUnmapped(String container, long iova, long size, long timeNanos) {
    noteUnmapOfStaleWindow(container, iova, size, timeNanos);
    touch(iova, size);
  }

  private void noteUnmapOfStaleWindow(String container, long iova, long size, long timeNanos) {
    if (openWindows.isEmpty()) return;
    String device = deviceOfContainer.get(container);
    TreeMap<Long, StaleWindow> open = device == null ? null : openWindows.get(device);
    if (open == null || open.isEmpty()) return;
    for (Long w : open.subMap(iova, true, iova + size, false).keySet()) {
      windowUnmapTimes.computeIfAbsent(device, k -> new HashMap<>()).put(w, timeNanos);
    }
  }

  /**
   * The oracle's subscription: the frequent kinds as facts ({@link EventIntake}), the others as
   * events to {@link #observe}; the typed records {@code observe} reads come here as facts.
   */
  private final class Intake implements EventIntake {
    @Override
    public void event(Event e) {
      observe(e);
    }

    @Override
    public void descriptor(String desc) {
      synchronized (MappingOracle.this) {
        invalidated(desc);
      }
    }

    @Override
    public void hostMap(String container, long iova, long size) {
      touch(iova, size);
    }

    @Override
    public void hostUnmap(String container, long iova, long size) {
      synchronized (MappingOracle.this) {
        hostUnmapped(container, iova, size, log.clock().nanos());
      }
    }

    @Override
    public void shadowNotify(long iova, long size) {
      touch(iova, size);
    }

    @Override
    public void shadowWalk(long start, long end, long entries) {
      touch(start, end - start);
    }
  }

  private void touchRange(Event e, String iovaKey, String sizeKey) {
    if (e.attrs().get(iovaKey) instanceof Number i && e.attrs().get(sizeKey) instanceof Number s) {
      touch(i.longValue(), s.longValue());
    } else {
      touchAll = true;
    }
  }

  private static long num(Event e, String key) {
    return e.attrs().get(key) instanceof Number n ? n.longValue() : 0;
  }
}
