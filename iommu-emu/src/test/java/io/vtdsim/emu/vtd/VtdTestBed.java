package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import java.util.ArrayList;
import java.util.List;

/**
 * A small machine for VT-d unit tests: 64 MiB of flat guest RAM, an MMIO bus with the unit mapped at
 * {@code config.mmioBase()}, a recording MSI sink and a recording observer. Tests act as the guest:
 * registers through the bus, tables and queue through guest memory.
 */
public final class VtdTestBed implements AutoCloseable {
  public static final long RAM = 64L << 20;

  public record Msi(long address, int data) {}

  /** Records every observer callback as a readable string and the invalidation records. */
  public static final class RecordingObserver implements RemappingObserver {
    public final List<String> calls = new ArrayList<>();
    public final List<Object> invalidations = new ArrayList<>();

    @Override
    public synchronized void translationEnableChanged(boolean enabled) {
      calls.add("te " + enabled);
    }

    @Override
    public synchronized void rootTablePointerSet(long rootTable) {
      calls.add(String.format("root 0x%x", rootTable));
    }

    @Override
    public synchronized void contextCacheInvalidated(ContextCacheInvalidation invalidation) {
      calls.add("cc " + invalidation.describe());
      invalidations.add(invalidation);
    }

    @Override
    public synchronized void iotlbInvalidated(IotlbInvalidation invalidation) {
      calls.add("iotlb " + invalidation.describe());
      invalidations.add(invalidation);
    }

    public synchronized List<Object> invalidationsSnapshot() {
      return new ArrayList<>(invalidations);
    }
  }

  public final VtdConfig config;
  public final Clock clock = new Clock();
  public final EventLog log = new EventLog(clock);
  public final GuestMemory memory = GuestMemory.flat(RAM);
  public final MmioBus bus = new MmioBus(log);
  public final List<Msi> msis = new ArrayList<>();
  public final RecordingObserver observer = new RecordingObserver();
  public final VtdUnit unit;

  public VtdTestBed(VtdConfig config) {
    this.config = config;
    this.unit = new VtdUnit(config, memory, log, this::deliver);
    unit.addObserver(observer);
    bus.map(config.mmioBase(), unit);
  }

  /**
   * The second-level translator's cache operations so far, read from its cache-invalidation events
   * and written as the {@link Translator} calls that emit them: {@code resetCaches()},
   * {@code invalidateContextGlobal()}, {@code invalidateContextDomain(did)},
   * {@code invalidateContextDevice(0xSSSS, fm)}, {@code invalidateIotlbGlobal()},
   * {@code invalidateIotlbDomain(did)}, {@code invalidateIotlbPage(did, 0xaddress, am, ih)}.
   */
  public List<String> translatorCalls() {
    List<String> out = new ArrayList<>();
    for (Event e : log.events()) {
      if (!(e.body() instanceof EventBody.CacheInvalidate c)) continue;
      switch (c.cache() + " " + c.scope()) {
        case "context reset" -> out.add("resetCaches()");
        case "context global" -> out.add("invalidateContextGlobal()");
        case "context domain" -> out.add("invalidateContextDomain(" + c.did() + ")");
        case "context device" -> out.add(String.format("invalidateContextDevice(0x%04x, %d)", c.sid(), c.fm()));
        case "iotlb global" -> out.add("invalidateIotlbGlobal()");
        case "iotlb domain" -> out.add("invalidateIotlbDomain(" + c.did() + ")");
        case "iotlb page" -> out.add(String.format("invalidateIotlbPage(%d, 0x%x, %d, %b)", c.did(), c.addr(), c.am(), c.ih()));
        default -> { } // the IOTLB half of a reset, the paging-structure cache, the scalable-mode caches
      }
    }
    return out;
  }

  public static VtdTestBed qemu72() {
    return new VtdTestBed(VtdConfig.preset("qemu-7.2", 48));
  }

  /** Also told of every MSI, after it is recorded (null: nothing). */
  public volatile io.vtdsim.emu.platform.MsiSink onMsi;

  private void deliver(long address, int data) {
    synchronized (this) {
      msis.add(new Msi(address, data));
    }
    io.vtdsim.emu.platform.MsiSink hook = onMsi;
    if (hook != null) hook.deliver(address, data);
  }

  public synchronized List<Msi> msisSnapshot() {
    return new ArrayList<>(msis);
  }

  public int r32(int offset) {
    return bus.read32(config.mmioBase() + offset);
  }

  public long r64(int offset) {
    return bus.read64(config.mmioBase() + offset);
  }

  public void w32(int offset, int value) {
    bus.write32(config.mmioBase() + offset, value);
  }

  public void w64(int offset, long value) {
    bus.write64(config.mmioBase() + offset, value);
  }

  /** Sets a GCMD bit as Linux does: current status plus the command (one-shot bits excluded). */
  public void command(int bit, boolean on) {
    int status = r32(Registers.GSTS) & (GlobalCommand.TE | GlobalCommand.QIE | GlobalCommand.IRE);
    w32(Registers.GCMD, on ? status | bit : status & ~bit);
  }

  public int fsts() {
    return r32(Registers.FSTS);
  }

  // ---- the invalidation queue, as a guest driver uses it ----

  public long queueBase;
  private int tail;
  private int queueSize;

  /** Programs IQA (128-bit descriptors, 2^qs pages) and enables QI. */
  public void enableQueue(long base, int qs) {
    queueBase = base;
    queueSize = 1 << (qs + 8);
    tail = 0;
    w64(Registers.IQA, InvalidationQueueRegisters.iqa(base, false, qs));
    w64(Registers.IQT, 0);
    command(GlobalCommand.QIE, true);
  }

  /** Writes descriptors at the tail in guest memory, then writes IQT once. */
  public void submit(InvalidationDescriptor... descriptors) {
    for (InvalidationDescriptor d : descriptors) {
      writeDescriptor(tail, d.lo(), d.hi());
      tail = (tail + 1) % queueSize;
    }
    w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, false));
  }

  /** Writes raw words at the tail and moves the tail (the IQT write is separate). */
  public void putRaw(long lo, long hi) {
    writeDescriptor(tail, lo, hi);
    tail = (tail + 1) % queueSize;
  }

  public void writeTail() {
    w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, false));
  }

  public void writeDescriptor(int index, long lo, long hi) {
    memory.write64(queueBase + index * 16L, lo);
    memory.write64(queueBase + index * 16L + 8, hi);
  }

  public int tail() {
    return tail;
  }

  public void setTail(int index) {
    tail = index;
  }

  public int head() {
    return InvalidationQueueRegisters.registerToIndex(r64(Registers.IQH), false);
  }

  public List<Event> events(String kind) {
    return log.eventsOfKind(kind);
  }

  @Override
  public void close() {
    unit.close();
  }
}
