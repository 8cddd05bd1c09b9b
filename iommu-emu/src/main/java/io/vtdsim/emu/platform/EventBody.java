package io.vtdsim.emu.platform;

import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.SourceId;
import java.util.Map;

/**
 * What an {@link Event} says, as a typed record per kind: the emitter stores its numbers and
 * constant strings, and the one-line {@link #detail() text} and the {@link #attrs() attributes} are
 * derived from them only when something renders the event (a trace, JSON, an explanation). Views
 * switch on {@link #type()} and read the record's fields; a kind that has no record yet travels as a
 * {@link Generic} (what {@link EventLog#emit(String, String, String, Map)} builds).
 *
 * <p>Attributes keep the order and the value types the events have always printed with (an emitter's
 * {@code Attrs.of} order, or sorted by key where the emitter passed a plain map).
 */
public sealed interface EventBody {
  EventKind type();

  /** The dotted kind name. */
  default String kind() {
    return type().label();
  }

  /** One human-readable line, or null when the attributes say it all. */
  default String detail() {
    return null;
  }

  /** The structured attributes (boxed primitives, strings, enums). */
  Attrs attrs();

  /** Any kind, by name, with a ready detail and attributes. */
  record Generic(String kind, String detail, Map<String, Object> attributes) implements EventBody {
    public Generic {
      if (kind == null) throw new IllegalArgumentException("event kind is required");
      if (attributes == null) attributes = Attrs.of();
    }

    @Override
    public EventKind type() {
      return EventKind.of(kind);
    }

    @Override
    public Attrs attrs() {
      return Attrs.copyOf(attributes);
    }
  }

  // ---- platform: the MMIO bus ----

  /** A register read that reached a device; {@code offset} within its window. */
  record MmioRead(int offset, int size, long value) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.MMIO_READ;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("offset", offset, "size", size, "value", value);
    }
  }

  /** A register write, logged before the device acts on it. */
  record MmioWrite(int offset, int size, long value) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.MMIO_WRITE;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("offset", offset, "size", size, "value", value);
    }
  }

  /** An access that hit no device or had a size the bus refuses. */
  record MmioRejected(boolean write, long addr, int size, long value) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.MMIO_REJECTED;
    }

    @Override
    public String detail() {
      return String.format("%s%d 0x%x rejected", write ? "write" : "read", size * 8, addr);
    }

    @Override
    public Attrs attrs() {
      return write ? Attrs.of("addr", addr, "size", size, "value", value) : Attrs.of("addr", addr, "size", size);
    }
  }

  // ---- vtd: the invalidation queue and the unit ----

  /**
   * A fetched queue descriptor about to run; {@code desc} its name (cc-global ... wait, malformed),
   * {@code decoded} what it says.
   */
  record Descriptor(String desc, int index, long lo, long hi, InvalidationDescriptor decoded) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.DESCRIPTOR;
    }

    @Override
    public String detail() {
      return decoded.describe();
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("desc", desc, "index", index, "lo", lo, "hi", hi);
    }
  }

  /** A wait descriptor's status write (and interrupt) done. */
  record WaitComplete(int index) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.WAIT_COMPLETE;
    }

    @Override
    public String detail() {
      return "wait descriptor " + index + " complete";
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("index", index);
    }
  }

  /** Invalidation Queue Error at the descriptor {@code index} (spec 6.5.2.10). */
  record QueueError(int index, String reason) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.IQE;
    }

    @Override
    public String detail() {
      return "IQE at descriptor " + index + ": " + reason;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("index", index, "reason", reason);
    }
  }

  /** Which entries a cache invalidation selected (the attributes it adds). */
  enum Selector { ALL, DOMAIN, DEVICE, PAGE }

  /**
   * Entries dropped from one cache ({@code context}, {@code iotlb}, {@code paging-structure}) by one
   * invalidation; the selector's fields ({@code did}; {@code sid}, {@code fm}; {@code did},
   * {@code addr}, {@code am}, {@code ih}) are attributes only for the selector that has them.
   */
  record CacheInvalidate(String cache, String scope, int dropped, Selector selector, int did, int sid, int fm,
      long addr, int am, boolean ih) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.CACHE_INVALIDATE;
    }

    @Override
    public String detail() {
      return cache + " " + scope + " invalidation dropped " + dropped;
    }

    @Override
    public Attrs attrs() {
      // sorted by key, as they always printed
      return switch (selector) {
        case ALL -> Attrs.of("cache", cache, "dropped", dropped, "scope", scope);
        case DOMAIN -> Attrs.of("cache", cache, "did", did, "dropped", dropped, "scope", scope);
        case DEVICE -> Attrs.of("cache", cache, "dropped", dropped, "fm", fm, "scope", scope, "sid", sid);
        case PAGE -> Attrs.of("addr", addr, "am", am, "cache", cache, "did", did, "dropped", dropped, "ih", ih,
            "scope", scope);
      };
    }
  }

  /**
   * A translation request's outcome: {@code result} is ok, a fault reason name, identity (TE=0) or
   * unsupported-request; ATS requests carry their {@code type}.
   */
  record Translate(int sid, long iova, boolean write, String result, boolean cached, RequestType request)
      implements EventBody {
    public static final String IDENTITY = "identity";
    public static final String UNSUPPORTED = "unsupported-request";
    /** The emulator stopped (fidelity qemu on a QEMU that aborts on a guest input): nothing completes. */
    public static final String EMULATOR_ABORTED = "emulator-aborted";

    @Override
    public EventKind type() {
      return EventKind.TRANSLATE;
    }

    @Override
    public String detail() {
      if (result.equals(IDENTITY)) {
        return String.format("%s %s 0x%x: identity (TE=0)", SourceId.of(sid), write ? "write" : "read", iova);
      }
      if (result.equals(UNSUPPORTED)) {
        return String.format("%s %s 0x%x: unsupported request (TE=0)", SourceId.of(sid), request, iova);
      }
      if (result.equals(EMULATOR_ABORTED)) return String.format("%s 0x%x: emulator aborted", SourceId.of(sid), iova);
      return null;
    }

    @Override
    public Attrs attrs() {
      return request == RequestType.UNTRANSLATED
          ? Attrs.of("sid", sid, "iova", iova, "write", write, "result", result, "cached", cached)
          : Attrs.of("sid", sid, "iova", iova, "write", write, "result", result, "cached", cached,
              "type", request.name());
    }
  }

  /** A translation fault and what the fault recorder did with it ({@code outcome} and its text). */
  record Fault(int sid, long addr, FaultReason reason, boolean read, boolean recorded, String outcome,
      String outcomeText, RequestType request) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.FAULT;
    }

    @Override
    public String detail() {
      return String.format("%s %s 0x%x reason 0x%x (%s): %s", SourceId.of(sid), read ? "read" : "write", addr,
          reason.code(), reason, outcomeText);
    }

    @Override
    public Attrs attrs() {
      return request == RequestType.UNTRANSLATED
          ? Attrs.of("sid", sid, "addr", addr, "reason", reason.code(), "read", read, "recorded", recorded,
              "outcome", outcome)
          : Attrs.of("sid", sid, "addr", addr, "reason", reason.code(), "read", read, "recorded", recorded,
              "outcome", outcome, "type", request.name());
    }
  }

  /** A fault-event or invalidation-completion-event MSI the unit sent. */
  record InterruptMessage(boolean fault, long address, int data) implements EventBody {
    @Override
    public EventKind type() {
      return fault ? EventKind.FAULT_EVENT : EventKind.COMPLETION_EVENT;
    }

    @Override
    public String detail() {
      return String.format("MSI 0x%x <- 0x%x", address, data);
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("address", address, "data", data);
    }
  }

  // ---- shadow ----

  /**
   * One shadow walk of [start, end) that visited {@code entries} entries; {@code aborted} is null, or
   * why the walker stopped early.
   */
  record ShadowWalk(String device, long start, long end, long entries, String reason, String aborted)
      implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.WALK;
    }

    /** The reason as printed: the walk's, or the abort and the walk it cut short. */
    public String why() {
      return aborted == null ? reason : aborted + " (" + reason + " walk)";
    }

    @Override
    public String detail() {
      return aborted == null ? null : device + ": walk " + why();
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "start", start, "end", end, "entries", entries, "reason", why());
    }
  }

  /** An IOMMU notifier event (MAP or UNMAP of an aligned slot) of one device's address space. */
  record ShadowNotify(String device, boolean map, long iova, long gpa, long size, boolean read, boolean write)
      implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.NOTIFY;
    }

    public String notifyType() {
      return map ? "MAP" : "UNMAP";
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "type", notifyType(), "iova", iova, "size", size, "gpa", gpa, "read", read,
          "write", write);
    }
  }

  /** A device's address space switched to {@code mode} (identity / translated / none). */
  record ShadowSwitch(String device, String mode) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.SWITCH;
    }

    @Override
    public String detail() {
      return device + " → " + mode;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "mode", mode);
    }
  }

  // ---- host ----

  /** A host container's map call and its result ("ok" or the errno name). */
  record HostMap(String container, long iova, long gpa, long size, boolean read, boolean write, String result)
      implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.HOST_MAP;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("container", container, "iova", iova, "size", size, "gpa", gpa, "read", read, "write", write,
          "result", result);
    }
  }

  /** A host container's unmap call, its result and the bytes it unmapped. */
  record HostUnmap(String container, long iova, long size, String result, long unmapped) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.HOST_UNMAP;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("container", container, "iova", iova, "size", size, "result", result, "unmapped", unmapped);
    }
  }

  /** A failed host call: {@code op} map | unmap, the errno's name and why. */
  record HostError(String container, String op, String errno, long iova, long size, String why)
      implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.HOST_ERROR;
    }

    @Override
    public String detail() {
      return op + " 0x" + Long.toHexString(iova) + "+0x" + Long.toHexString(size) + ": " + errno + " (" + why + ")";
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("container", container, "op", op, "errno", errno, "iova", iova, "size", size, "detail", why);
    }
  }

  /**
   * Where a device behind a nested HWPT was attached: {@code attach} "nested" (IOMMU_HWPT_ALLOC with
   * IOMMU_HWPT_DATA_VTD_S1 on the guest's first-stage table at {@code pgtbl}), "parent" (the nesting
   * parent itself) or "blocked"; {@code dropped} cached translations were emptied.
   */
  record NestedBind(String hwpt, String attach, long pgtbl, int addrWidth, int flags, int dropped)
      implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.NESTED_BIND;
    }

    public boolean nested() {
      return "nested".equals(attach);
    }

    @Override
    public String detail() {
      if (nested()) {
        return String.format("nested bind %s pgtbl 0x%x addr_width %d flags 0x%x", hwpt, pgtbl, addrWidth, flags);
      }
      return String.format("nested %s %s (%d dropped)", "blocked".equals(attach) ? "unbind" : "attach parent", hwpt,
          dropped);
    }

    @Override
    public Attrs attrs() {
      return nested() ? Attrs.of("hwpt", hwpt, "attach", attach, "pgtbl", pgtbl, "addrWidth", addrWidth, "flags", flags)
          : Attrs.of("hwpt", hwpt, "attach", attach, "dropped", dropped);
    }
  }

  /**
   * One IOMMU_HWPT_INVALIDATE request to a nested HWPT: [addr, addr + npages pages), npages -1 for
   * all; its result ("ok" or the errno's name) and the cached translations it dropped.
   */
  record NestedInvalidate(String hwpt, long addr, long npages, int flags, String result, int dropped)
      implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.NESTED_INVALIDATE;
    }

    @Override
    public String detail() {
      return String.format("nested invalidate %s addr 0x%x npages %s flags 0x%x: %s (%d dropped)", hwpt, addr,
          npages == -1 ? "all" : Long.toString(npages), flags, result, dropped);
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("hwpt", hwpt, "addr", addr, "npages", npages, "flags", flags, "result", result, "dropped",
          dropped);
    }
  }

  // ---- devices ----

  /** A DMA that completed ({@code op} read | write). */
  record DmaOk(String device, String op, long iova, int length) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.DMA_OK;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "op", op, "iova", iova, "length", length);
    }
  }

  /** A DMA that faulted at {@code iova}. */
  record DmaFault(String device, String op, long iova, String reason) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.DMA_FAULT;
    }

    @Override
    public String detail() {
      return op + " 0x" + Long.toHexString(iova) + ": " + reason;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "op", op, "iova", iova, "reason", reason);
    }
  }

  // ---- the guest driver ----

  /**
   * One driver API call: {@code op}, then its arguments as name/value pairs in order (the detail
   * prints longs in hex).
   */
  record DriverCall(String op, Object... args) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.DRIVER_CALL;
    }

    @Override
    public String detail() {
      StringBuilder detail = new StringBuilder(op);
      for (int i = 0; i < args.length; i += 2) {
        Object v = args[i + 1];
        detail.append(' ').append(args[i]).append('=');
        detail.append(v instanceof Long l ? "0x" + Long.toHexString(l) : String.valueOf(v));
      }
      return detail.toString();
    }

    @Override
    public Attrs attrs() {
      Object[] all = new Object[args.length + 2];
      all[0] = "op";
      all[1] = op;
      System.arraycopy(args, 0, all, 2, args.length);
      return Attrs.of(all);
    }

    /** The argument named {@code key}, or null. */
    public Object arg(String key) {
      for (int i = 0; i < args.length; i += 2) {
        if (args[i].equals(key)) return args[i + 1];
      }
      return null;
    }
  }

  /** The flush policy's decision ({@code decision} none | psi | dsi | global ...) and why. */
  record DriverFlush(String decision, int did, long addr, int am, boolean ih, String reason) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.DRIVER_FLUSH;
    }

    @Override
    public String detail() {
      return decision + ": " + reason;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("decision", decision, "did", did, "addr", addr, "am", am, "ih", ih, "reason", reason);
    }
  }

  /** A fault record the driver's handler read and cleared. */
  record DriverFault(int sid, long addr, int reason, boolean read) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.DRIVER_FAULT;
    }

    @Override
    public String detail() {
      return String.format("DMAR fault: sid %s addr 0x%x reason 0x%x %s", SourceId.of(sid), addr, reason,
          read ? "read" : "write");
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("sid", sid, "addr", addr, "reason", reason, "read", read);
    }
  }

  // ---- the harness ----

  /** A scenario step about to run ({@code line} in its file). */
  record Step(int index, String text, int line) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.STEP;
    }

    @Override
    public String detail() {
      return "step " + index + ": " + text;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("index", index, "text", text, "line", line);
    }
  }

  /** The oracle's verdict after a step: how many violations, their kinds comma-separated. */
  record Verdict(int index, int violations, String kinds) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.VERDICT;
    }

    @Override
    public String detail() {
      return violations == 0 ? "step " + index + ": ok"
          : "step " + index + ": " + violations + " violation(s): " + kinds;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("index", index, "violations", violations, "kinds", kinds);
    }
  }

  /** A lazy-mode stale window that closed: [iova, +size) stayed in the host from one step to another. */
  record StaleWindowClosed(String device, long iova, long size, int fromStep, int toStep, long nanos,
      long fromNanos, long toNanos) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.STALE_WINDOW;
    }

    @Override
    public String detail() {
      return String.format(
          "%s: [0x%x, +0x%x) stayed mapped in the host from step %d to step %d (%d ns) while queued for a lazy flush",
          device, iova, size, fromStep, toStep, nanos);
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "iova", iova, "size", size, "fromStep", fromStep, "toStep", toStep,
          "nanos", nanos, "fromNanos", fromNanos, "toNanos", toNanos);
    }
  }

  /** The oracle's own walk of a device's guest table stopped early in [start, end). */
  record WalkAborted(String device, long start, long end, String reason) implements EventBody {
    @Override
    public EventKind type() {
      return EventKind.WALK_ABORTED;
    }

    @Override
    public String detail() {
      return device + ": " + reason;
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("device", device, "start", start, "end", end, "reason", reason);
    }
  }
}
