package io.vtdsim.harness.machine;

import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.harness.testbed.TestBedConfig;

/** Builds the machine of a configuration's backend. */
public final class Machines {
  private Machines() {}

  /**
   * @param msi where fault-event interrupts go (the driver's handler)
   */
  public static MachineUnderTest create(TestBedConfig config, EventLog log, MsiSink msi) {
    return switch (config.backend()) {
      case MODEL -> new EmulatedMachine(config, log, msi);
      case QEMU -> QemuMachine.start(config, log, msi);
    };
  }
}
