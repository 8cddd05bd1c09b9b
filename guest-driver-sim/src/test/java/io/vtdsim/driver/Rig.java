package io.vtdsim.driver;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextCommand;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.InvalidateAddress;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbCommand;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest (memory, bus, clock, log) with the real emulated unit (VtdUnit, QEMU 7.2's registers) on
 * its MMIO bus and a driver, for tests. What the unit executed is read back from the event log: the
 * descriptors it fetched, and the register-based invalidations as the driver wrote them to CCMD and
 * IOTLB. A switch in front of the unit can drop IQT writes: hardware whose queue never runs.
 */
final class Rig implements AutoCloseable {
  final Clock clock = new Clock();
  final EventLog log = new EventLog(clock);
  final GuestMemory memory = GuestMemory.flat(256L << 20);
  final MmioBus bus = new MmioBus(log);
  final VtdUnit unit;
  final IntelIommuDriver driver;
  private final long base;
  private volatile boolean stalled;
  private long mark;

  Rig(DriverConfig config, VtdConfig vtd) {
    unit = new VtdUnit(vtd, memory, log, (address, data) -> { });
    base = config.mmioBase();
    bus.map(base, new StallSwitch());
    driver = new IntelIommuDriver(bus, memory, clock, log, config);
  }

  /** QEMU 7.2's unit with {@code cap} and {@code ecap} in place of its own registers. */
  Rig(DriverConfig config, Capability cap, ExtendedCapability ecap) {
    this(config, VtdConfig.preset("qemu-7.2", cap.guestAddressWidth()).withCap(cap).withEcap(ecap));
  }

  Rig(String preset) {
    this(DriverConfig.of(preset));
  }

  Rig(DriverConfig config) {
    this(config, VtdConfig.preset("qemu-7.2", 48));
  }

  /** QEMU 7.2's CAP at {@code aw} bits (docs/linux-6.1-trace.md: 0x00d2008c22260286 at aw 39). */
  static Capability qemuCap(int aw) {
    return VtdConfig.preset("qemu-7.2", aw).cap();
  }

  /** QEMU 7.2's ECAP, 0xf42. */
  static ExtendedCapability qemuEcap() {
    return VtdConfig.preset("qemu-7.2", 48).ecap();
  }

  /** While on, IQT writes never reach the unit: the queue never runs (QIES still follows GCMD). */
  void stall(boolean on) {
    stalled = on;
  }

  /** FSTS as the driver would read it. */
  int fsts() {
    return bus.read32(base + Registers.FSTS);
  }

  /** Whether fault record {@code index} has F set. */
  boolean faultRecordPending(int index) {
    long hi = bus.read64(base + Registers.faultRecord(unit.config().cap().fro(), index) + 8);
    return (hi & FaultRecord.F) != 0;
  }

  /** Invalidations performed (queued or register-based), waits included, since the last reset, in order. */
  List<InvalidationDescriptor> executed() {
    List<InvalidationDescriptor> out = new ArrayList<>();
    long iva = 0;
    int iro = unit.config().ecap().iro();
    for (Event e : log.eventsSince(mark)) {
      if (e.body() instanceof EventBody.Descriptor d && !(d.decoded() instanceof InvalidationDescriptor.Malformed)) {
        out.add(d.decoded());
      } else if (e.body() instanceof EventBody.MmioWrite w) {
        if (w.offset() == Registers.iva(iro)) {
          iva = w.value();
        } else if (w.offset() == Registers.iotlb(iro)) {
          IotlbCommand c = IotlbCommand.decode(w.value());
          InvalidateAddress a = InvalidateAddress.decode(iva);
          IotlbInvalidation.Granularity g = IotlbInvalidation.Granularity.of(c.iirg());
          boolean page = g == IotlbInvalidation.Granularity.PAGE;
          out.add(new IotlbInvalidation(g, c.dr(), c.dw(), c.did(), page ? a.address() : 0, page && a.ih(),
              page ? a.am() : 0));
        } else if (w.offset() == Registers.CCMD) {
          ContextCommand c = ContextCommand.decode(w.value());
          out.add(new ContextCacheInvalidation(ContextCacheInvalidation.Granularity.of(c.cirg()), c.did(), c.sid(), c.fm()));
        }
      }
    }
    return out;
  }

  /** The descriptors the unit fetched per IQT write since the last reset (writes that fetched nothing left out). */
  List<List<InvalidationDescriptor>> submissions() {
    List<List<InvalidationDescriptor>> out = new ArrayList<>();
    List<InvalidationDescriptor> batch = null;
    for (Event e : log.eventsSince(mark)) {
      if (e.body() instanceof EventBody.MmioWrite w) {
        if (batch != null && !batch.isEmpty()) out.add(batch);
        batch = w.offset() == Registers.IQT ? new ArrayList<>() : null;
      } else if (batch != null && e.body() instanceof EventBody.Descriptor d
          && !(d.decoded() instanceof InvalidationDescriptor.Malformed)) {
        batch.add(d.decoded());
      }
    }
    if (batch != null && !batch.isEmpty()) out.add(batch);
    return out;
  }

  /** Executed invalidations without the waits, as describe() strings. */
  List<String> invalidations() {
    List<String> out = new ArrayList<>();
    for (InvalidationDescriptor d : executed()) {
      if (!(d instanceof InvalidationWait)) out.add(d.describe());
    }
    return out;
  }

  /** Starts the recording afresh: {@link #executed}, {@link #submissions} and {@link #events} count from here. */
  void resetRecording() {
    mark = log.lastSeq();
  }

  /** MMIO writes as "NAME=0xvalue". */
  List<String> registerWrites() {
    List<String> out = new ArrayList<>();
    for (Event e : log.eventsOfKind(MmioBus.EV_WRITE)) {
      int off = ((Number) e.attrs().get("offset")).intValue();
      out.add(Registers.name(off, 0xF, 0x22, 0) + "=0x" + Long.toHexString(e.longAttr("value")));
    }
    return out;
  }

  /** Events of one kind since the last {@link #resetRecording}. */
  List<Event> events(String kind) {
    return log.eventsSince(mark).stream().filter(e -> e.kind().equals(kind)).toList();
  }

  @Override
  public void close() {
    unit.close();
  }

  /** The unit behind the stall switch. */
  private final class StallSwitch implements MmioDevice {
    @Override
    public long read(int offset, int size) {
      return unit.read(offset, size);
    }

    @Override
    public void write(int offset, int size, long value) {
      if (stalled && offset == Registers.IQT) return;
      unit.write(offset, size, value);
    }

    @Override
    public int windowSize() {
      return unit.windowSize();
    }

    @Override
    public String name() {
      return unit.name();
    }
  }
}
