package io.vtdsim.harness.report;

import static io.vtdsim.harness.report.EventAttrs.has;
import static io.vtdsim.harness.report.EventAttrs.hex;
import static io.vtdsim.harness.report.EventAttrs.num;
import static io.vtdsim.harness.report.EventAttrs.perm;
import static io.vtdsim.harness.report.EventAttrs.size;
import static io.vtdsim.harness.report.EventAttrs.str;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.oracle.StaleWindow;
import io.vtdsim.harness.scenario.Units;

/**
 * One event as one readable line: register names for MMIO (from the unit's IRO/FRO/NFR), invalidation
 * descriptors decoded from their quadwords, walks, notifier events, host calls, DMA and faults, and the
 * harness's own step markers, verdicts and lazy-mode stale windows. Events of kinds it does not know
 * print their own text.
 */
public final class EventText {
  private final int iro;
  private final int fro;
  private final int nfr;
  private final boolean pds;

  public EventText(VtdConfig config) {
    this.iro = config.ecap().iro();
    this.fro = config.cap().fro();
    this.nfr = config.cap().nfr();
    this.pds = config.ecap().pds();
  }

  /** The texts for a scenario's machine (its preset and address width name the registers). */
  public static EventText forScenario(io.vtdsim.harness.scenario.Scenario s) {
    return new EventText(VtdConfig.preset(s.machine().registerPreset(), s.machine().awBitsOrDefault()));
  }

  /** The register name of an MMIO offset. */
  public String register(long offset) {
    return Registers.name((int) offset, iro, fro, nfr);
  }

  /** The one-line text of an event (without sequence number or time). */
  public String line(Event e) {
    return switch (e.type()) {
      case MMIO_WRITE -> "MMIO write" + bits(e) + " " + register(e) + " = " + hex(e, "value");
      case MMIO_READ -> "MMIO read" + bits(e) + "  " + register(e) + " -> " + hex(e, "value");
      case MMIO_REJECTED -> "MMIO rejected: " + e.text();
      case DESCRIPTOR -> "QI[" + str(e, "index") + "] " + descriptor(e);
      case REGISTER_INVALIDATION -> "register invalidation " + descriptor(e);
      case REGISTER_INVALIDATION_IGNORED ->
          "register invalidation ignored (" + str(e, "register") + " written while QI is enabled)";
      case IQE -> "invalidation queue error at QI[" + str(e, "index") + "]: " + str(e, "reason");
      case COMMAND -> "GCMD " + str(e, "bit") + orDetail(e);
      case TRANSLATE -> "translate " + sid(e) + " iova " + hex(e, "iova")
          + (EventAttrs.flag(e, "write") ? " write" : " read") + " -> " + str(e, "result")
          + (EventAttrs.flag(e, "cached") ? " (cached)" : "");
      case FAULT -> "FAULT " + sid(e) + " addr " + hex(e, "addr") + " " + str(e, "reason")
          + (EventAttrs.flag(e, "read") ? " (read)" : " (write)")
          + (has(e, "recorded") && !EventAttrs.flag(e, "recorded") ? " not recorded" : "");
      case FAULT_EVENT -> "fault event MSI addr " + hex(e, "address") + " data " + hex(e, "data");
      case WAIT_COMPLETE -> "wait descriptor QI[" + str(e, "index") + "] complete";
      case CACHE_INVALIDATE -> "drop " + str(e, "cache") + " " + str(e, "scope")
          + " (" + str(e, "dropped") + " entries)";
      case WALK -> "walk " + str(e, "device") + " [" + hex(e, "start") + ", " + hex(e, "end") + ") "
          + str(e, "entries") + " entries" + reason(e);
      case NOTIFY -> "notify " + str(e, "device") + " " + str(e, "type") + " iova " + hex(e, "iova")
          + " size " + size(e, "size")
          + ("MAP".equals(str(e, "type")) ? " -> gpa " + hex(e, "gpa") + " " + perm(e) : "");
      case SWITCH -> "address space of " + str(e, "device") + " -> " + str(e, "mode");
      case HOST_MAP -> "host map " + str(e, "container") + " iova " + hex(e, "iova") + " size "
          + size(e, "size") + " -> gpa " + hex(e, "gpa") + " " + perm(e) + result(e);
      case HOST_UNMAP -> "host unmap " + str(e, "container") + " iova " + hex(e, "iova") + " size "
          + size(e, "size") + result(e)
          + (has(e, "unmapped") ? " (unmapped " + size(e, "unmapped") + ")" : "");
      case NESTED_BIND, NESTED_INVALIDATE -> "host " + e.text();
      case HOST_ERROR -> "HOST ERROR " + str(e, "errno") + " on " + str(e, "op") + " "
          + str(e, "container") + " iova " + hex(e, "iova") + " size " + size(e, "size")
          + (has(e, "detail") ? ": " + str(e, "detail") : "");
      case DMA_OK -> "DMA " + str(e, "device") + " " + str(e, "op") + " " + str(e, "length")
          + " B at iova " + hex(e, "iova") + " ok";
      case DMA_FAULT -> "DMA " + str(e, "device") + " " + str(e, "op") + " at iova " + hex(e, "iova")
          + " FAULT: " + str(e, "reason");
      case DRIVER_CALL -> "call " + e.text();
      case DRIVER_FLUSH -> "flush " + e.text();
      case DRIVER_FAULT -> "driver fault handler: " + sid(e) + " addr " + hex(e, "addr") + " "
          + str(e, "reason");
      case STEP -> "step " + str(e, "index") + ": " + str(e, "text");
      case VERDICT -> "oracle after step " + str(e, "index") + ": " + verdict(e) + kinds(e);
      case STALE_WINDOW -> staleWindow(str(e, "device"), num(e, "iova"), num(e, "size"),
          num(e, "fromStep"), num(e, "toStep"), num(e, "nanos"));
      default -> switch (e.kind()) {
        case EventKinds.DMA_LAZY_STALE -> "DMA " + str(e, "device") + " at iova " + hex(e, "iova") + " inside a lazy stale window: "
            + (EventAttrs.flag(e, "landed") ? "landed through the mapping queued for a lazy flush (tolerated)" : "faulted");
        case EventKinds.UNREPAIRED -> "never repaired: " + str(e, "violations");
        case EventKinds.DMA_SG -> "dma_map_sg " + str(e, "device") + " returned " + str(e, "layout");
        default -> e.kind() + " [" + e.source() + "] " + e.text();
      };
    };
  }

  private String register(Event e) {
    Long off = num(e, "offset");
    return off == null ? "?" : register(off);
  }

  private static String bits(Event e) {
    Long s = num(e, "size");
    return s == null ? "" : String.valueOf(s * 8);
  }

  /** Decoded from the quadwords when the event carries them (the spec's view), else the emitter's text. */
  private String descriptor(Event e) {
    Long lo = num(e, "lo");
    Long hi = num(e, "hi");
    String name = str(e, "desc");
    String text;
    if (lo != null && hi != null) {
      // the wide decoding reads the PASID-based types too (legacy types decode the same in either width)
      text = InvalidationDescriptor.decodeWide(lo, hi, pds).describe();
    } else {
      text = e.detail() != null ? e.detail() : "";
    }
    return name + (text.isEmpty() ? "" : ": " + text);
  }

  private static String sid(Event e) {
    Long sid = num(e, "sid");
    if (sid != null && sid >= 0 && sid <= 0xFFFF) return SourceId.of(sid.intValue()).toString();
    String s = str(e, "sid");
    return s.isEmpty() ? "?" : s;
  }

  /** "ok" or the number of violations (the attribute may be a count or a list). */
  static String verdict(Event e) {
    Object v = e.attrs() == null ? null : e.attrs().get("violations");
    long n = v instanceof Number num ? num.longValue() : v instanceof java.util.Collection<?> c ? c.size() : -1;
    if (n == 0) return "ok";
    if (n > 0) return n + " violation" + (n == 1 ? "" : "s");
    return e.text();
  }

  /**
   * One lazy-mode stale window, e.g. {@code stale window nic iova 0xffffe000 size 8KiB: stayed mapped in
   * the host from step 6 to step 8 (10ms) while queued for a lazy flush}; a window still open at the end
   * has no end step ({@code toStep} and {@code nanos} -1).
   */
  public static String staleWindow(StaleWindow w) {
    return staleWindow(w.device(), w.iova(), w.size(), (long) w.fromStep(), (long) w.toStep(), w.nanos());
  }

  private static String staleWindow(String device, Long iova, Long size, Long fromStep, Long toStep, Long nanos) {
    String where = "stale window " + (device.isEmpty() ? "?" : device) + " iova " + (iova == null ? "?" : Units.hex(iova))
        + " size " + (size == null ? "?" : Units.formatSize(size));
    String from = "from step " + (fromStep == null ? "?" : fromStep);
    if (toStep == null || toStep < 0) {
      return where + ": mapped in the host " + from + " to the end, still queued for a lazy flush";
    }
    return where + ": stayed mapped in the host " + from + " to step " + toStep
        + (nanos == null || nanos < 0 ? "" : " (" + Units.formatDuration(nanos) + ")") + " while queued for a lazy flush";
  }

  /** The violation kinds a verdict names, if any: {@code " (stale-mapping, host-error)"}. */
  private static String kinds(Event e) {
    String k = str(e, "kinds");
    return k.isEmpty() || "ok".equals(verdict(e)) ? "" : " (" + k + ")";
  }

  private static String result(Event e) {
    String r = str(e, "result");
    return r.isEmpty() ? "" : ": " + r;
  }

  private static String reason(Event e) {
    String r = str(e, "reason");
    return r.isEmpty() ? "" : " (" + r + ")";
  }

  private static String orDetail(Event e) {
    return e.detail() != null ? ": " + e.detail() : "";
  }
}
