package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;

/**
 * Finds the legacy context entry of a source-id by reading the root and context tables from guest
 * memory (VT-d spec 3.4.2, 9.1, 9.3), as QEMU's vtd_dev_to_context_entry: the pure table-reading
 * step shared by the translation path and the shadow walk. Never throws for guest-controlled data; a
 * problem is a {@link FaultReason}.
 */
public final class ContextLookup {
  private ContextLookup() {}

  /**
   * Either a valid entry (fault == null) or a fault reason; with a fault, {@code entry} is the
   * decoded entry when one was read (so its FPD can qualify the fault) and null otherwise.
   */
  public record Result(ContextEntry entry, FaultReason fault) {
    public boolean ok() {
      return fault == null;
    }
  }

  public static Result lookup(GuestMemory mem, long rootTable, int sid, VtdConfig config) {
    return lookup(mem, rootTable, sid, config.cap(), config.ecap(), config.hostAddressWidth());
  }

  public static Result lookup(
      GuestMemory mem, long rootTable, int sid, Capability cap, ExtendedCapability ecap, int haw) {
    int bus = SourceId.bus(sid);
    int devfn = SourceId.devfn(sid);
    long[] q = new long[1];
    long rootAddr = RootEntry.address(rootTable, bus);
    if (!mem.tryRead64(rootAddr, q)) return new Result(null, FaultReason.ROOT_TABLE_UNREADABLE);
    long rootLo = q[0];
    if (!mem.tryRead64(rootAddr + 8, q)) return new Result(null, FaultReason.ROOT_TABLE_UNREADABLE);
    long rootHi = q[0];
    if (!RootEntry.present(rootLo)) return new Result(null, FaultReason.ROOT_NOT_PRESENT);
    if (RootEntry.reservedBitsSet(rootLo, rootHi, haw)) return new Result(null, FaultReason.ROOT_RESERVED);
    long ctxAddr = ContextEntry.address(RootEntry.decode(rootLo).contextTablePointer(), devfn);
    if (!mem.tryRead64(ctxAddr, q)) return new Result(null, FaultReason.CONTEXT_TABLE_UNREADABLE);
    long lo = q[0];
    if (!mem.tryRead64(ctxAddr + 8, q)) return new Result(null, FaultReason.CONTEXT_TABLE_UNREADABLE);
    long hi = q[0];
    // the entry is returned even when not present: FPD is honoured irrespective of P (as QEMU,
    // which reads FPD from the fetched entry before checking P)
    if (!ContextEntry.present(lo)) return new Result(ContextEntry.decode(lo, hi), FaultReason.CONTEXT_NOT_PRESENT);
    if (ContextEntry.reservedBitsSet(lo, hi, haw)) return new Result(null, FaultReason.CONTEXT_RESERVED);
    ContextEntry ce = ContextEntry.decode(lo, hi);
    TranslationType tt = ce.tt();
    boolean ttOk = switch (tt) {
      case MULTI_LEVEL -> true;
      case MULTI_LEVEL_DEVICE_TLB -> ecap.dt();
      case PASS_THROUGH -> ecap.pt();
      case RESERVED -> false;
    };
    if (!ttOk) return new Result(ce, FaultReason.CONTEXT_INVALID);
    // AW must name a level count the unit supports (SAGAW); pass-through ignores the tables
    if (tt != TranslationType.PASS_THROUGH && !cap.supportsAgaw(ce.aw())) {
      return new Result(ce, FaultReason.CONTEXT_INVALID);
    }
    return new Result(ce, null);
  }
}
