package io.vtdsim.emu.vtd.qi;

import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.Bits;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.vtd.UnitBehaviour;

/**
 * The invalidation queue (VT-d spec 6.5.2): a ring of descriptors in guest memory at the base
 * latched from IQA when QI is enabled, consumed from the head (IQH) up to the tail (IQT). Fetches,
 * decodes and executes legacy descriptors; any error sets FSTS.IQE, leaves the head on the offending
 * descriptor and stops until the next IQT write (as QEMU's vtd_fetch_inv_desc). Not thread-safe: the
 * owner calls it with its lock held.
 */
public final class InvalidationQueue {
  public static final String EV_DESCRIPTOR = EventKind.DESCRIPTOR.label();
  public static final String EV_IQE = EventKind.IQE.label();
  public static final String EV_WAIT_COMPLETE = EventKind.WAIT_COMPLETE.label();

  /** The descriptor being executed (reused: processing never nests). */
  private final long[] words4 = new long[4];
  private final long[] word = new long[1];
  private static final int NO_DESCRIPTOR = -1;

  private final GuestMemory memory;
  private final EventLog log;
  private final QueueHost host;
  private final Capability cap;
  private final ExtendedCapability ecap;
  private final int hostAddressWidth;
  private final UnitBehaviour behaviour;

  private boolean enabled;
  private boolean wide;
  private long base;
  private int size;
  private int head;
  private int tail;
  private int lastType = NO_DESCRIPTOR;
  private boolean processing;
  /** A descriptor stopped the emulator: the queue never moves again. */
  private boolean stopped;

  /**
   * @param behaviour the unit's QEMU differences that concern the queue: fence-only waits, IEC upper
   *     quadword, types 6 and 7 in a legacy queue, SW+IF waits (decoding is the spec's either way)
   */
  public InvalidationQueue(GuestMemory memory, EventLog log, QueueHost host, Capability cap, ExtendedCapability ecap,
      int hostAddressWidth, UnitBehaviour behaviour) {
    if (behaviour == null) throw new IllegalArgumentException("behaviour is required");
    this.memory = memory;
    this.behaviour = behaviour;
    this.log = log;
    this.host = host;
    this.cap = cap;
    this.ecap = ecap;
    this.hostAddressWidth = hostAddressWidth;
  }

  /** Back to the reset state: disabled, head and tail 0. */
  public void reset() {
    enabled = false;
    wide = false;
    base = 0;
    size = 0;
    head = 0;
    tail = 0;
    lastType = NO_DESCRIPTOR;
  }

  /**
   * IQA was written: the descriptor width takes effect at once, and 256-bit descriptors only with
   * ECAP.SMTS (as QEMU's vtd_update_iq_dw).
   */
  public void iqaWritten(long iqa) {
    wide = ecap.smts() && InvalidationQueueRegisters.is256(iqa);
  }

  /** GCMD.QIE set: latch the base (masked to HAW) and the size from IQA (as QEMU). */
  public void enable(long iqa) {
    base = InvalidationQueueRegisters.base(iqa) & ~Bits.above(hostAddressWidth);
    size = 1 << (InvalidationQueueRegisters.qs(iqa) + (wide ? 7 : 8));
    enabled = true;
  }

  /**
   * GCMD.QIE cleared: allowed only when the queue is drained and the last descriptor was a wait (as
   * QEMU); then the head returns to 0 (the tail is kept).
   *
   * @return null when QI is now disabled, otherwise why it stays enabled
   */
  public String disable() {
    if (head != tail || lastType != InvalidationDescriptor.TYPE_WAIT) {
      return String.format("cannot disable QI: head %d, tail %d, last descriptor %s", head, tail,
          lastType == NO_DESCRIPTOR ? "none" : "type " + lastType);
    }
    head = 0;
    enabled = false;
    host.headMoved(0);
    return null;
  }

  /**
   * IQT was written (as QEMU's vtd_handle_iqt_write): with 256-bit descriptors bit 4 must be 0, else
   * IQE and the write is ignored. The caller then {@link #process processes} the queue (inline) or
   * wakes the hardware thread.
   */
  public void tailWritten(long iqt) {
    if (wide && (iqt & InvalidationQueueRegisters.IQT_256_RESERVED) != 0) {
      error(head, "IQT bit 4 set with 256-bit descriptors");
      return;
    }
    tail = InvalidationQueueRegisters.registerToIndex(iqt, wide);
  }

  public boolean enabled() {
    return enabled;
  }

  /** The base latched at the last enable (IQA reads return it, as QEMU). */
  public long latchedBase() {
    return base;
  }

  public boolean wideDescriptors() {
    return wide;
  }

  public int head() {
    return head;
  }

  public int tail() {
    return tail;
  }

  /** Descriptors in the queue (0 before the first enable). */
  public int size() {
    return size;
  }

  /** True when there is work: enabled, no IQE pending and head ≠ tail. */
  public boolean hasWork() {
    return enabled && !host.queueErrorPending() && head != tail;
  }

  /** Processes descriptors from the head up to the tail; stops at the first error (IQE). */
  public void process() {
    if (processing || stopped || !enabled || host.queueErrorPending()) return;
    processing = true;
    try {
      if (tail >= size) {
        error(head, String.format("tail %d ≥ queue size %d", tail, size));
        return;
      }
      while (head != tail) {
        String problem = execute(head);
        if (stopped) return; // the emulator is gone: the head stays on the descriptor
        if (problem != null) {
          error(head, problem);
          return;
        }
        head = (head + 1) % size;
        host.headMoved(InvalidationQueueRegisters.indexToRegister(head, wide));
      }
    } finally {
      processing = false;
    }
  }

  /**
   * Processing failed unexpectedly (an exception escaped {@link #process}): a queue error at the
   * head descriptor, which the head still points at, through the same path as any other IQE.
   */
  public void failed(String reason) {
    error(head, reason);
  }

  /** Fetches, checks and executes the descriptor at {@code index}; returns why it failed, or null. */
  private String execute(int index) {
    int words = wide ? 4 : 2;
    long address = base + (long) index * words * 8;
    long[] w = words4;
    long[] q = word;
    for (int i = 0; i < words; i++) {
      if (!memory.tryRead64(address + 8L * i, q)) {
        return String.format("descriptor fetch at 0x%x is outside RAM", address);
      }
      w[i] = q[0];
    }
    lastType = InvalidationDescriptor.type(w[0]);
    if (!wide && behaviour.scalableDescriptorsIgnored()
        && (lastType == InvalidationDescriptor.TYPE_PASID_IOTLB || lastType == InvalidationDescriptor.TYPE_PASID_CACHE)) {
      // QEMU 7.2's vtd_process_inv_desc: a no-op, whatever the descriptor holds
      log.emit(EV_DESCRIPTOR, "vtd", "type " + lastType + " descriptor ignored (legacy queue, as QEMU 7.2)",
          Attrs.of("desc", "ignored", "index", index, "lo", w[0], "hi", w[1]));
      return null;
    }
    // QEMU 7.2's vtd_process_inv_iec_desc checks the low quadword only
    long hi = behaviour.iecUpperQuadwordIgnored() && lastType == InvalidationDescriptor.TYPE_INTERRUPT_ENTRY_CACHE
        ? 0 : w[1];
    // the two descriptors of every submission are executed from their words (no object per descriptor)
    if (lastType == InvalidationDescriptor.TYPE_IOTLB) return executeIotlb(index, w[0], hi, w[1]);
    if (lastType == InvalidationDescriptor.TYPE_WAIT) return executeWait(index, w[0], hi, w[1]);
    // a 256-bit queue also takes the PASID-based descriptors (types 6-8, spec 6.5.2); a 128-bit queue
    // rejects them as unknown types
    InvalidationDescriptor d = wide
        ? InvalidationDescriptor.decodeWide(w[0], hi, ecap.pds())
        : InvalidationDescriptor.decode(w[0], hi, ecap.pds());
    if (d instanceof InvalidationDescriptor.Malformed m) return m.reason();
    if (wide && (w[2] | w[3]) != 0) return WIDE_WORDS_NOT_ZERO;
    // the same bound for a PASID-based PSI (spec 6.5.2.4: AM at most CAP.MAMV)
    if (d instanceof PasidIotlbInvalidation t
        && t.granularity() == PasidIotlbInvalidation.Granularity.PAGE
        && t.am() > cap.mamv()) {
      return String.format("PASID-based IOTLB PSI AM %d > MAMV %d", t.am(), cap.mamv());
    }
    if (log.building()) log.emit("vtd", new EventBody.Descriptor(DescriptorNames.of(d), index, w[0], w[1], d));
    else log.intake().descriptor(DescriptorNames.of(d));
    if (d instanceof ContextCacheInvalidation c) {
      host.contextCacheInvalidation(c);
    } else if (d instanceof PasidIotlbInvalidation t) {
      host.pasidIotlbInvalidation(t);
    } else if (d instanceof PasidCacheInvalidation p) {
      host.pasidCacheInvalidation(p);
    }
    // device-TLB invalidations complete at once; interrupt-entry-cache flushes have no cache here
    return null;
  }

  /**
   * An IOTLB invalidation (spec 6.5.2.3) from its words: the checks {@link InvalidationDescriptor#decode}
   * and the AM bound make, the event (decoded only when someone listens), then the unit.
   */
  private String executeIotlb(int index, long lo, long hi, long rawHi) {
    String problem = IotlbInvalidation.problem(lo, hi);
    if (problem != null) return problem;
    if (wide && (words4[2] | words4[3]) != 0) return WIDE_WORDS_NOT_ZERO;
    int am = IotlbInvalidation.amOf(hi);
    if (IotlbInvalidation.granularityOf(lo) == IotlbInvalidation.Granularity.PAGE.encoding() && am > cap.mamv()) {
      return String.format("IOTLB PSI AM %d > MAMV %d", am, cap.mamv());
    }
    if (log.building()) {
      IotlbInvalidation d = IotlbInvalidation.fromWords(lo, hi);
      log.emit("vtd", new EventBody.Descriptor(DescriptorNames.of(d), index, lo, rawHi, d));
    } else {
      log.intake().descriptor(DescriptorNames.ofIotlb(lo));
    }
    host.iotlbInvalidation(lo, hi);
    return null;
  }

  /** An invalidation wait (spec 6.5.2.8) from its words, with this QEMU version's checks. */
  private String executeWait(int index, long lo, long hi, long rawHi) {
    String problem = InvalidationWait.problem(lo, hi, ecap.pds());
    if (problem != null) return problem;
    if (wide && (words4[2] | words4[3]) != 0) return WIDE_WORDS_NOT_ZERO;
    boolean sw = (lo & InvalidationWait.SW) != 0;
    boolean iflag = (lo & InvalidationWait.IF) != 0;
    boolean fence = (lo & InvalidationWait.FN) != 0;
    if (!behaviour.fenceOnlyWaitAccepted() && fence && !sw && !iflag) {
      return "invalidation wait with only FN set (rejected by this QEMU version)";
    }
    if (behaviour.abortOnWaitWithStatusAndInterrupt() && sw && iflag) {
      stopped = true;
      host.emulatorAbort(index, "invalidation wait with SW and IF set: assertion failed in vtd_process_wait_desc");
      return null;
    }
    if (log.building()) {
      InvalidationDescriptor d = InvalidationDescriptor.decode(lo, hi, ecap.pds());
      log.emit("vtd", new EventBody.Descriptor(DescriptorNames.of(d), index, lo, rawHi, d));
    } else {
      log.intake().descriptor(DescriptorNames.WAIT);
    }
    // SW: a 32-bit status write, no HAW masking; a failed write is an error (as QEMU)
    long statusAddress = InvalidationWait.statusAddressOf(hi);
    if (sw && !memory.tryWrite32(statusAddress, InvalidationWait.statusDataOf(lo))) {
      return String.format("wait status write to 0x%x is outside RAM", statusAddress);
    }
    if (iflag) host.waitCompletionInterrupt();
    if (log.building()) log.emit("vtd", new EventBody.WaitComplete(index));
    return null;
  }

  private static final String WIDE_WORDS_NOT_ZERO = "descriptor in a 256-bit queue with words 2-3 not zero";

  private void error(int index, String reason) {
    log.emit("vtd", new EventBody.QueueError(index, reason));
    host.queueError();
  }
}
