package io.vtdsim.driver;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.Registers;
import java.util.ArrayList;
import java.util.List;

/** A guest (memory, bus, clock, log) with the recording fake unit and a driver, for tests. */
final class Rig {
  final Clock clock = new Clock();
  final EventLog log = new EventLog(clock);
  final GuestMemory memory = GuestMemory.flat(256L << 20);
  final MmioBus bus = new MmioBus(log);
  final RecordingVtdFake unit;
  final IntelIommuDriver driver;
  private long mark;

  Rig(DriverConfig config, Capability cap, ExtendedCapability ecap) {
    unit = new RecordingVtdFake(memory, cap, ecap);
    bus.map(config.mmioBase(), unit);
    driver = new IntelIommuDriver(bus, memory, clock, log, config);
  }

  Rig(String preset) {
    this(DriverConfig.of(preset), RecordingVtdFake.qemuCap(48), RecordingVtdFake.qemuEcap());
  }

  Rig(DriverConfig config) {
    this(config, RecordingVtdFake.qemuCap(48), RecordingVtdFake.qemuEcap());
  }

  /** Executed invalidations without the waits, as describe() strings. */
  List<String> invalidations() {
    List<String> out = new ArrayList<>();
    for (InvalidationDescriptor d : unit.executed) {
      if (!(d instanceof InvalidationWait)) out.add(d.describe());
    }
    return out;
  }

  /** Clears the recorded descriptors and marks the log. */
  void resetRecording() {
    mark = log.lastSeq();
    unit.executed.clear();
    unit.submissions.clear();
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
}
