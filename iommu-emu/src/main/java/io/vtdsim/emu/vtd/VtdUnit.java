package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.Bits;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.RegisterMasks;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RequestType;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.vtd.qi.InvalidationQueue;
import io.vtdsim.emu.vtd.qi.QueueHost;
import io.vtdsim.emu.vtd.qi.QueueWorker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The emulated VT-d DMA-remapping unit (VT-d spec chapters 3, 6, 7, 10, 11) with QEMU's register
 * semantics: the register window (an {@link MmioDevice}), the GCMD/GSTS handshakes, fault
 * recording, register-based and queued invalidation, and {@link #translate} for DMA requests. All
 * state is guarded by one lock, shared with the hardware thread in THREAD queue-processing mode.
 */
public final class VtdUnit implements MmioDevice, AutoCloseable {
  static final String EV_COMMAND = EventKind.COMMAND.label();
  static final String EV_TRANSLATE = EventKind.TRANSLATE.label();
  static final String EV_FAULT_EVENT = EventKind.FAULT_EVENT.label();
  static final String EV_COMPLETION_EVENT = EventKind.COMPLETION_EVENT.label();
  /**
   * {@code vtd.emulator-abort {reason, index}}: the emulated QEMU stopped (a guest-triggered
   * assertion, {@link UnitBehaviour#abortOnWaitWithStatusAndInterrupt}); the unit is dead from then on.
   */
  public static final String EV_EMULATOR_ABORT = "vtd.emulator-abort";

  private final VtdConfig config;
  private final EventLog log;
  private final Translator translator;
  /** Scalable-mode translation (RTADDR.TTM = 01b at the last SRTP); its caches stay empty in legacy mode. */
  private final ScalableTranslator scalable;
  private final ReentrantLock lock = new ReentrantLock();
  /** Interrupt messages raised under {@link #lock}, sent when it is released ({@link #unlock}). */
  private final PostedInterrupts interrupts;
  private final List<RemappingObserver> observers = new CopyOnWriteArrayList<>();
  /** The observers again, for the queue's hot path (no iterator per invalidation). */
  private volatile RemappingObserver[] observerArray = new RemappingObserver[0];
  private final RegisterFile regs;
  private final EventInterrupt faultEvent;
  private final EventInterrupt completionEvent;
  private final FaultRecorder faults;
  private final RegisterInvalidation registerInvalidation;
  private final InvalidationQueue queue;
  private final QueueWorker worker;
  private final int iva;
  private final int iotlb;

  private final UnitBehaviour behaviour;

  private boolean translationEnabled;
  /** Why the emulator stopped, or null while it runs. */
  private String aborted;
  private long rootTable;
  private RootTableAddress.Mode rootMode = RootTableAddress.Mode.LEGACY;
  private long interruptRemapTable;

  public VtdUnit(VtdConfig config, GuestMemory memory, EventLog log, MsiSink msi) {
    if (config == null || memory == null || log == null || msi == null) {
      throw new IllegalArgumentException("VtdUnit needs a config, guest memory, an event log and an MSI sink");
    }
    this.config = config;
    this.log = log;
    this.translator = new Translator(config, memory, log);
    this.scalable = new ScalableTranslator(config, memory, log, translator);
    this.behaviour = config.behaviour();
    this.iva = Registers.iva(config.ecap().iro());
    this.iotlb = Registers.iotlb(config.ecap().iro());
    this.regs = new RegisterFile(config.registersSize());
    this.interrupts = new PostedInterrupts(msi, lock);
    this.faultEvent = new EventInterrupt(regs, Registers.FECTL, Registers.FEDATA, Registers.FEADDR,
        Registers.FEUADDR, interrupts, log, true);
    this.completionEvent = new EventInterrupt(regs, Registers.IECTL, Registers.IEDATA, Registers.IEADDR,
        Registers.IEUADDR, interrupts, log, false);
    this.faults = new FaultRecorder(regs, config.cap().fro(), config.cap().nfr(), config.ecap().dt(),
        behaviour.pasidAllOnesInWalkFaults(), faultEvent, log);
    this.registerInvalidation = new RegisterInvalidation(regs, config, translator, observers, log);
    this.queue = new InvalidationQueue(memory, log, new Host(), config.cap(), config.ecap(), config.hostAddressWidth(),
        behaviour);
    defineRegisters();
    if (config.queueProcessing() == VtdConfig.QueueProcessing.THREAD) {
      worker = new QueueWorker("vtd-qi", this::drainQueue, this::drainFailed);
      worker.start();
    } else {
      worker = null;
    }
  }

  /** The register layout and reset values of QEMU's vtd_init. */
  private void defineRegisters() {
    regs.define32(Registers.VER, RegisterMasks.VERSION, 0, 0);
    regs.define64(Registers.CAP, config.cap().encode(), 0, 0);
    regs.define64(Registers.ECAP, config.ecap().encode(), 0, 0);
    regs.define32(Registers.GCMD, 0, GlobalCommand.WRITABLE, 0);
    regs.defineWriteOnly(Registers.GCMD, 4, GlobalCommand.WRITABLE);
    regs.define32(Registers.GSTS, 0, 0, 0);
    regs.define64(Registers.RTADDR, 0, RegisterMasks.RTADDR_WRITABLE, 0);
    regs.define64(Registers.CCMD, 0, RegisterMasks.CCMD_WRITABLE, 0);
    regs.defineWriteOnly(Registers.CCMD, 8, RegisterMasks.CCMD_WRITE_ONLY);
    regs.define32(Registers.FSTS, 0, 0, RegisterMasks.FSTS_W1C);
    regs.define32(Registers.FECTL, FaultStatus.IM, FaultStatus.IM, 0);
    regs.define32(Registers.FEDATA, 0, RegisterMasks.FEDATA_WRITABLE, 0);
    regs.define32(Registers.FEADDR, 0, RegisterMasks.EVENT_ADDRESS_WRITABLE, 0);
    regs.define32(Registers.FEUADDR, 0, 0, 0);
    regs.define64(Registers.IQH, 0, 0, 0);
    regs.define64(Registers.IQT, 0, RegisterMasks.IQT_WRITABLE, 0);
    regs.define64(Registers.IQA, 0, RegisterMasks.IQA_WRITABLE, 0);
    regs.define32(Registers.ICS, 0, 0, FaultStatus.IWC);
    regs.define32(Registers.IECTL, FaultStatus.IM, FaultStatus.IM, 0);
    regs.define32(Registers.IEDATA, 0, RegisterMasks.IEDATA_WRITABLE, 0);
    regs.define32(Registers.IEADDR, 0, RegisterMasks.EVENT_ADDRESS_WRITABLE, 0);
    regs.define32(Registers.IEUADDR, 0, 0, 0);
    regs.define64(Registers.IRTA, 0, RegisterMasks.IRTA_WRITABLE, 0);
    regs.define64(iva, 0, RegisterMasks.IVA_WRITABLE, 0);
    regs.defineWriteOnly(iva, 8, RegisterMasks.IVA_WRITABLE);
    regs.define64(iotlb, 0, RegisterMasks.IOTLB_WRITABLE, 0);
    faults.defineRegisters();
    regs.captureResetValues();
  }

  public VtdConfig config() {
    return config;
  }

  /** Registers a caching-mode observer (the shadow); called synchronously, in order. */
  public void addObserver(RemappingObserver observer) {
    if (observer == null) throw new IllegalArgumentException("observer is null");
    observers.add(observer);
    observerArray = observers.toArray(new RemappingObserver[0]);
  }

  /** GSTS.TES. */
  public boolean translationEnabled() {
    lock.lock();
    try {
      return translationEnabled;
    } finally {
      unlock();
    }
  }

  /** The root-table address latched by the last SRTP. */
  public long rootTableAddress() {
    lock.lock();
    try {
      return rootTable;
    } finally {
      unlock();
    }
  }

  /** The translation table mode (RTADDR.TTM) latched by the last SRTP; legacy after reset. */
  public RootTableAddress.Mode rootTableMode() {
    lock.lock();
    try {
      return rootMode;
    } finally {
      unlock();
    }
  }

  /**
   * Translates a DMA request from {@code sid}: identity while translation is off; otherwise through
   * the caches and tables. Faults are recorded in the fault registers (unless FPD suppresses them)
   * and raise the fault event.
   */
  public TranslationResult translate(int sid, long iova, boolean write) {
    return translate(sid, iova, write, RequestType.UNTRANSLATED);
  }

  /**
   * Handles a request of the given type from {@code sid} (see {@link Translator} for the rules per
   * context TT). While translation is off an untranslated request passes as identity, and a
   * translation request or translated request is an Unsupported Request, nothing recorded (VT-d spec
   * 4.2.1: "When remapping hardware is disabled (TES=0 ...), memory requests with non-zero AT field"
   * are UR). Fault records of ATS requests carry their AT on a unit with ECAP.DT (FRCD.AT is RsvdZ
   * otherwise); a translation request is a memory read, so its record has T=1 (read).
   */
  public TranslationResult translate(int sid, long iova, boolean write, RequestType type) {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("source-id out of range: " + sid);
    if (type == null) throw new IllegalArgumentException("request type is required");
    lock.lock();
    try {
      if (aborted != null) {
        // the emulator is gone: no device request completes (an Unsupported Request, nothing recorded)
        log.emit("vtd", new EventBody.Translate(sid, iova, write, EventBody.Translate.EMULATOR_ABORTED, false,
            RequestType.UNTRANSLATED));
        return TranslationResult.unsupportedRequest(iova);
      }
      if (!translationEnabled && type != RequestType.UNTRANSLATED) {
        log.emit("vtd", new EventBody.Translate(sid, iova, write, EventBody.Translate.UNSUPPORTED, false, type));
        return TranslationResult.unsupportedRequest(iova);
      }
      if (!translationEnabled) {
        if (log.building()) {
          log.emit("vtd", new EventBody.Translate(sid, iova, write, EventBody.Translate.IDENTITY, false, type));
        }
        return TranslationResult.identity(iova);
      }
      TranslationResult r;
      if (rootMode != RootTableAddress.Mode.LEGACY) {
        r = scalableTranslate(sid, iova, write, type);
      } else {
        r = type == RequestType.UNTRANSLATED
            ? translator.translate(rootTable, sid, iova, write)
            : translator.translate(rootTable, sid, iova, write, type);
      }
      if (r.fault() != null) {
        boolean read = type == RequestType.TRANSLATION_REQUEST || !write;
        if (r.faultSuppressed()) {
          faults.suppressed(sid, iova, r.fault(), read, type);
        } else {
          faults.report(sid, iova, r.fault(), read, type);
        }
      }
      return r;
    } finally {
      unlock();
    }
  }

  /**
   * A request while RTADDR.TTM selected scalable mode (or a mode the unit lacks): a TTM other than
   * legacy, or scalable on a unit without ECAP.SMTS, faults 0x31 (QEMU's VTD_FR_RTADDR_INV_TTM).
   */
  private TranslationResult scalableTranslate(int sid, long iova, boolean write, RequestType type) {
    if (!RootTableAddress.supported(rootMode, config.ecap())) {
      if (log.building()) {
        log.emit("vtd", new EventBody.Translate(sid, iova, write, FaultReason.ROOT_TABLE_MODE_INVALID.name(), false, type));
      }
      return TranslationResult.fault(iova, -1, FaultReason.ROOT_TABLE_MODE_INVALID, false, false);
    }
    if (type != RequestType.UNTRANSLATED) {
      throw new UnsupportedOperationException("ATS requests (" + type + ") in scalable mode are not modelled");
    }
    return scalable.translate(rootTable, sid, iova, write);
  }

  /** The scalable-mode translator (for tests in this package). */
  ScalableTranslator scalableTranslator() {
    return scalable;
  }

  /** Records a primary fault as the hardware does (VT-d spec 7.1; QEMU's vtd_report_frcd_fault). */
  FaultRecorder.Outcome recordFault(int sid, long addr, FaultReason reason, boolean read) {
    lock.lock();
    try {
      return faults.report(sid, addr, reason, read);
    } finally {
      unlock();
    }
  }

  /** IRTA as latched by the last SIRTP. */
  long interruptRemapTableAddress() {
    lock.lock();
    try {
      return interruptRemapTable;
    } finally {
      unlock();
    }
  }

  /** Why the emulator stopped ({@link #EV_EMULATOR_ABORT}), or null while it runs. */
  public String abortReason() {
    lock.lock();
    try {
      return aborted;
    } finally {
      unlock();
    }
  }

  /** System reset: every register back to its reset value, caches emptied. */
  public void reset() {
    lock.lock();
    try {
      boolean wasEnabled = translationEnabled;
      regs.reset();
      translationEnabled = false;
      rootTable = 0;
      rootMode = RootTableAddress.Mode.LEGACY;
      interruptRemapTable = 0;
      queue.reset();
      faults.reset();
      translator.resetCaches();
      scalable.resetCaches();
      if (wasEnabled) {
        for (RemappingObserver o : observers) o.translationEnableChanged(false);
      }
    } finally {
      unlock();
    }
  }

  @Override
  public long read(int offset, int size) {
    lock.lock();
    try {
      // the emulator is gone: reads return 0, so no status bit invites a recovery path and a guest
      // that polls for completion times out (all-ones would show IQE, ITE and ICE all set)
      if (aborted != null) return 0;
      if (beyondRegisters(offset, size)) return 0; // UnitBehaviour.zeroBeyondRegisters
      if (!inWindow(offset, size)) return size == 8 ? -1L : 0xFFFF_FFFFL;
      long v;
      if (offset == Registers.IQA) {
        v = iqaReadValue();
      } else if (offset == Registers.IQA + 4) {
        v = iqaReadValue() >>> 32;
      } else {
        // RTADDR reads back as written, not as latched (as QEMU since it stopped returning s->root)
        v = regs.guestRead(offset, size);
      }
      return size == 4 ? v & 0xFFFF_FFFFL : v;
    } finally {
      unlock();
    }
  }

  @Override
  public void write(int offset, int size, long value) {
    lock.lock();
    try {
      if (aborted != null || !inWindow(offset, size)) return;
      dispatchWrite(offset, size, value);
    } finally {
      unlock();
    }
  }

  /** QEMU's vtd_mem_write: store through the masks, then run the register's side effect. */
  private void dispatchWrite(int offset, int size, long value) {
    if (offset == Registers.GCMD) {
      regs.guestWrite(offset, 4, value);
      globalCommand();
    } else if (offset == Registers.CCMD) {
      regs.guestWrite(offset, size, value);
      if (size == 8) registerInvalidation.contextCommand(queue.enabled());
    } else if (offset == Registers.CCMD + 4) {
      regs.guestWrite(offset, 4, value);
      registerInvalidation.contextCommand(queue.enabled());
    } else if (offset == iotlb) {
      regs.guestWrite(offset, size, value);
      if (size == 8) registerInvalidation.iotlbCommand(queue.enabled());
    } else if (offset == iotlb + 4) {
      regs.guestWrite(offset, 4, value);
      registerInvalidation.iotlbCommand(queue.enabled());
    } else if (offset == Registers.FSTS) {
      regs.guestWrite(offset, 4, value);
      faultStatusWritten();
    } else if (offset == Registers.FECTL) {
      regs.guestWrite(offset, 4, value);
      faultEvent.controlWritten();
    } else if (offset == Registers.ICS) {
      regs.guestWrite(offset, 4, value);
      if ((regs.raw32(Registers.ICS) & FaultStatus.IWC) == 0) completionEvent.clearPending();
    } else if (offset == Registers.IECTL) {
      regs.guestWrite(offset, 4, value);
      completionEvent.controlWritten();
    } else if (offset == Registers.IQT) {
      regs.guestWrite(offset, size, value);
      queue.tailWritten(regs.raw64(Registers.IQT));
      runQueue();
    } else if (offset == Registers.IQA) {
      regs.guestWrite(offset, size, value);
      queue.iqaWritten(regs.raw64(Registers.IQA));
    } else {
      regs.guestWrite(offset, size, value);
      if (faults.coversOffset(offset, size)) faults.updatePpf();
    }
  }

  /** FSTS written (as QEMU's vtd_handle_fsts_write); clearing IQE alone does not restart the queue. */
  private void faultStatusWritten() {
    if ((regs.raw32(Registers.FSTS) & RegisterMasks.FSTS_INTERRUPT_CONDITIONS) == 0) faultEvent.clearPending();
  }

  /**
   * IQA reads return the base latched at the last QIE enable, QS as written, and the DW in effect
   * (as written with {@link UnitBehaviour#iqaWidthReadsAsWritten}).
   */
  private long iqaReadValue() {
    long raw = regs.raw64(Registers.IQA);
    boolean dw = behaviour.iqaWidthReadsAsWritten()
        ? (raw & InvalidationQueueRegisters.IQA_DW) != 0
        : queue.wideDescriptors();
    return queue.latchedBase()
        | (raw & InvalidationQueueRegisters.IQA_QS_MASK)
        | (dw ? InvalidationQueueRegisters.IQA_DW : 0);
  }

  /** GCMD written: QEMU's vtd_handle_gcmd_write (changed = command XOR status). */
  private void globalCommand() {
    int command = regs.raw32(Registers.GCMD);
    int status = regs.raw32(Registers.GSTS);
    int changed = command ^ status;
    if ((changed & GlobalCommand.TE) != 0) translationEnable((command & GlobalCommand.TE) != 0);
    if ((command & GlobalCommand.SRTP) != 0) setRootTablePointer();
    // QIE is reserved on a unit without ECAP.QI (spec 11.4.4); QEMU always reports QI
    if ((changed & GlobalCommand.QIE) != 0 && config.ecap().qi()) {
      queuedInvalidationEnable((command & GlobalCommand.QIE) != 0);
    }
    if ((command & GlobalCommand.WBF) != 0 && config.cap().rwbf()) {
      // write-buffer flush (spec 6.8): nothing is buffered here, so WBFS clears at once
      regs.update32(Registers.GSTS, GlobalCommand.WBF, 0);
      log.emit(EV_COMMAND, "vtd", "WBF: write buffer flushed", Attrs.of("bit", "wbf"));
    }
    if ((command & GlobalCommand.SIRTP) != 0 && (config.ecap().ir() || behaviour.sirtpWithoutInterruptRemapping())) {
      setInterruptRemapTablePointer();
    }
    if ((changed & GlobalCommand.IRE) != 0 && config.ecap().ir()) {
      boolean on = (command & GlobalCommand.IRE) != 0;
      regs.update32(Registers.GSTS, GlobalCommand.IRE, on ? GlobalCommand.IRE : 0);
      log.emit(EV_COMMAND, "vtd", "IRE " + (on ? "on" : "off") + " (status only)", Attrs.of("bit", "ire", "enabled", on));
    }
  }

  /** TE (QEMU's vtd_handle_gcmd_te): TES follows, caches reset in both directions. */
  private void translationEnable(boolean on) {
    translationEnabled = on;
    regs.update32(Registers.GSTS, GlobalCommand.TE, on ? GlobalCommand.TE : 0);
    if (!on) faults.restartIndex();
    translator.resetCaches();
    scalable.resetCaches();
    log.emit(EV_COMMAND, "vtd", "TE " + (on ? "on" : "off") + ", caches reset", Attrs.of("bit", "te", "enabled", on));
    for (RemappingObserver o : observers) o.translationEnableChanged(on);
  }

  /** SRTP (one-shot): latch RTADDR masked to HAW, set RTPS, reset caches; no replay (as QEMU). */
  private void setRootTablePointer() {
    rootTable = regs.raw64(Registers.RTADDR) & RegisterMasks.RTADDR_ADDRESS & ~Bits.above(config.hostAddressWidth());
    rootMode = RootTableAddress.decode(regs.raw64(Registers.RTADDR)).mode();
    regs.update32(Registers.GSTS, 0, GlobalCommand.SRTP);
    translator.resetCaches();
    scalable.resetCaches();
    if (rootMode == RootTableAddress.Mode.LEGACY) {
      log.emit(EV_COMMAND, "vtd", String.format("SRTP: root table 0x%x, caches reset", rootTable),
          Attrs.of("bit", "srtp", "rootTable", rootTable));
    } else {
      log.emit(EV_COMMAND, "vtd", String.format("SRTP: root table 0x%x, TTM %s, caches reset", rootTable, rootMode),
          Attrs.of("bit", "srtp", "rootTable", rootTable, "mode", rootMode.name()));
    }
    for (RemappingObserver o : observers) o.rootTablePointerSet(rootTable, rootMode);
  }

  /** SIRTP (one-shot): latch IRTA and set IRTPS. */
  private void setInterruptRemapTablePointer() {
    interruptRemapTable = regs.raw64(Registers.IRTA);
    regs.update32(Registers.GSTS, 0, GlobalCommand.SIRTP);
    log.emit(EV_COMMAND, "vtd", String.format("SIRTP: IRTA 0x%x", interruptRemapTable),
        Attrs.of("bit", "sirtp", "irta", interruptRemapTable));
  }

  /** QIE (QEMU's vtd_handle_gcmd_qie). */
  private void queuedInvalidationEnable(boolean on) {
    if (on) {
      queue.enable(regs.raw64(Registers.IQA));
      regs.update32(Registers.GSTS, 0, GlobalCommand.QIE);
      log.emit(EV_COMMAND, "vtd",
          String.format("QIE on: queue at 0x%x, %d descriptors", queue.latchedBase(), queue.size()),
          Attrs.of("bit", "qie", "enabled", true, "base", queue.latchedBase(), "size", queue.size()));
      // a tail written before enabling is processed at once (as QEMU, for Windows guests)
      if (queue.tail() != 0) runQueue();
      return;
    }
    String refusal = queue.disable();
    if (refusal == null) {
      regs.update32(Registers.GSTS, GlobalCommand.QIE, 0);
      log.emit(EV_COMMAND, "vtd", "QIE off", Attrs.of("bit", "qie", "enabled", false));
    } else {
      log.emit(EV_COMMAND, "vtd", "QIE off refused, QIES stays set: " + refusal,
          Attrs.of("bit", "qie", "enabled", true, "refused", refusal));
    }
  }

  /** Processes the queue now (INLINE) or hands it to the hardware thread (THREAD). */
  private void runQueue() {
    if (worker == null) {
      queue.process();
    } else {
      worker.wake();
    }
  }

  /**
   * The hardware thread's drain threw (an emulator bug, or an observer's): the descriptor at the head
   * is reported through the normal queue-error path (vtd.iqe event, FSTS.IQE, fault event).
   */
  private void drainFailed(RuntimeException failure) {
    lock.lock();
    try {
      queue.failed("internal error while processing the queue: " + failure);
    } finally {
      unlock();
    }
  }

  private void drainQueue() {
    lock.lock();
    try {
      queue.process();
    } finally {
      unlock();
    }
  }

  /** Releases the lock, then sends the interrupt messages raised under it (outside any unit lock). */
  private void unlock() {
    lock.unlock();
    interrupts.sendPosted();
  }

  private boolean inWindow(int offset, int size) {
    return (size == 4 || size == 8) && offset >= 0 && offset + size <= regs.size();
  }

  /** An access past the registers inside the page the unit claims ({@link UnitBehaviour#zeroBeyondRegisters}). */
  private boolean beyondRegisters(int offset, int size) {
    return behaviour.zeroBeyondRegisters() && offset >= regs.size() && offset + size <= config.windowSize();
  }

  @Override
  public int windowSize() {
    return config.windowSize();
  }

  @Override
  public String name() {
    return "vtd";
  }

  /** True while the THREAD-mode hardware thread runs. */
  boolean hardwareThreadRunning() {
    return worker != null && worker.running();
  }

  /** Stops the hardware thread, if any. */
  @Override
  public void close() {
    if (worker != null) worker.close();
  }

  /** The queue's view of this unit (kept off the public API). */
  private final class Host implements QueueHost {
    @Override
    public boolean queueErrorPending() {
      return (regs.raw32(Registers.FSTS) & FaultStatus.IQE) != 0;
    }

    @Override
    public void queueError() {
      int previous = regs.raw32(Registers.FSTS);
      regs.update32(Registers.FSTS, 0, FaultStatus.IQE);
      faults.raiseFaultEvent(previous);
    }

    @Override
    public void headMoved(long iqh) {
      regs.setRaw(Registers.IQH, 8, iqh);
    }

    @Override
    public void contextCacheInvalidation(ContextCacheInvalidation c) {
      // exact granularity (spec 6.5.2.1): a wrong DID shows up as a stale context entry; QEMU
      // flushes globally for a domain descriptor (UnitBehaviour.domainContextInvalidationGlobal)
      switch (c.granularity()) {
        case GLOBAL -> translator.invalidateContextGlobal();
        case DOMAIN -> {
          if (behaviour.domainContextInvalidationGlobal()) translator.invalidateContextGlobal();
          else translator.invalidateContextDomain(c.did());
        }
        case DEVICE -> translator.invalidateContextDevice(c.sid(), c.fm());
      }
      if (rootMode != RootTableAddress.Mode.LEGACY) scalable.contextInvalidated(c);
      for (RemappingObserver o : observers) o.contextCacheInvalidated(c);
    }

    @Override
    public void iotlbInvalidation(long lo, long hi) {
      int did = IotlbInvalidation.didOf(lo);
      switch (IotlbInvalidation.granularityOf(lo)) {
        case 1 -> translator.invalidateIotlbGlobal();
        case 2 -> translator.invalidateIotlbDomain(did);
        default -> translator.invalidateIotlbPage(did, IotlbInvalidation.addressOf(hi), IotlbInvalidation.amOf(hi),
            IotlbInvalidation.ihOf(hi));
      }
      if (rootMode != RootTableAddress.Mode.LEGACY) scalable.iotlbInvalidated(IotlbInvalidation.fromWords(lo, hi));
      for (RemappingObserver o : observerArray) o.iotlbInvalidated(lo, hi);
    }

    @Override
    public void pasidCacheInvalidation(PasidCacheInvalidation p) {
      scalable.pasidCacheInvalidated(p);
      for (RemappingObserver o : observers) o.pasidCacheInvalidated(p);
    }

    @Override
    public void pasidIotlbInvalidation(PasidIotlbInvalidation t) {
      scalable.pasidIotlbInvalidated(t);
      for (RemappingObserver o : observers) o.pasidIotlbInvalidated(t);
    }

    @Override
    public void emulatorAbort(int index, String reason) {
      aborted = reason;
      log.emit(EV_EMULATOR_ABORT, "vtd", "emulator aborted at descriptor " + index + ": " + reason,
          Attrs.of("index", index, "reason", reason));
    }

    @Override
    public void waitCompletionInterrupt() {
      // as QEMU's vtd_generate_completion_event: nothing new while IWC is still set
      if ((regs.raw32(Registers.ICS) & FaultStatus.IWC) != 0) return;
      regs.update32(Registers.ICS, 0, FaultStatus.IWC);
      completionEvent.raise();
    }
  }
}
