package io.vtdsim.harness.machine;

import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.harness.oracle.MachineView;
import java.util.Map;

/**
 * The machine a TestBed drives and checks, whatever runs it. The guest driver gets {@link #memory()}
 * and {@link #bus()} (the VT-d registers are mapped on it at {@code VtdConfig.mmioBase()}) and nothing
 * else; the oracle gets {@link #view()} (TE, latched root pointer, capabilities) and one {@link
 * HostContainer} per assigned device; DMA goes through {@link #device}.
 *
 * <p>Two implementations: {@link EmulatedMachine} (this project's VT-d unit, caching-mode shadow and
 * host model) and {@code QemuMachine} (real QEMU over qtest, its vfio-user DMA_MAP/UNMAP stream
 * feeding the host containers).
 */
public sealed interface MachineUnderTest extends AutoCloseable permits EmulatedMachine, QemuMachine {
  Backend backend();

  /** What ran, for reports: {@code model} or {@code QEMU 11.1.3}. */
  String version();

  /** Guest-physical memory: the driver's tables, queues and buffers; DMA lands here. */
  GuestMemory memory();

  /** The CPU's MMIO path; the VT-d register window is mapped at the unit's base. */
  MmioBus bus();

  /** The facts of the remapping unit the oracle reads. */
  MachineView view();

  /** The host containers of the assigned devices, by device id, in device order. */
  Map<String, HostContainer> hosts();

  /**
   * The nested HWPTs of assigned devices that DMA through one ({@code machine.shadow-sync: nested}),
   * by device id; their stage 2 is the device's entry in {@link #hosts()}. Empty when shadowing.
   */
  default Map<String, NestedHwpt> nestedHwpts() {
    return Map.of();
  }

  /** The DMA master named {@code id} (a device of the configuration). */
  DmaDevice device(String id);

  /**
   * Whether a DMA of this device hands over the bytes it moved, so that the harness can check them
   * (false: only whether the DMA went through counts).
   */
  default boolean movesData(String deviceId) {
    return true;
  }

  /** Releases the machine (for QEMU: the process, sockets and files); idempotent. */
  @Override
  void close();
}
