/**
 * The machine seam: {@link io.vtdsim.harness.machine.MachineUnderTest} is what the TestBed drives
 * (guest memory and MMIO for the driver; host containers, devices and {@code MachineView} facts for
 * the oracle), with the model ({@link io.vtdsim.harness.machine.EmulatedMachine}) and real QEMU as
 * its backends. May use the emulator, the oracle's views and the testbed configuration; never the
 * driver.
 */
package io.vtdsim.harness.machine;
