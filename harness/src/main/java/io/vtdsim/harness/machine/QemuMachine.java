package io.vtdsim.harness.machine;

import io.vtdsim.emu.device.AssignedDevice;
import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostResult;
import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.oracle.MachineView;
import io.vtdsim.harness.oracle.ReferenceWalker;
import io.vtdsim.harness.qemu.QemuCrashedException;
import io.vtdsim.harness.qemu.QemuDevice;
import io.vtdsim.harness.qemu.QemuException;
import io.vtdsim.harness.qemu.QemuInstallation;
import io.vtdsim.harness.qemu.QemuMachineOptions;
import io.vtdsim.harness.qemu.QemuSession;
import io.vtdsim.harness.testbed.DeviceConfig;
import io.vtdsim.harness.testbed.TestBedConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Real QEMU as the machine: q35 with {@code intel-iommu} ({@link QemuSession}). The guest driver
 * writes its tables into the RAM file QEMU maps and reaches QEMU's VT-d registers over qtest (an
 * {@link MmioBus} with {@link QemuSession#vtdRegisters()} at the unit's base). QEMU's own caching-mode
 * shadow then sends vfio-user DMA_MAP/DMA_UNMAP for each assigned device, and those calls go into that
 * device's {@link HostContainer} with the configuration's host semantics, so EEXIST, EINVAL and ENOENT
 * are judged as on the model (and QEMU gets the errno back, as from the kernel). Assigned devices DMA
 * through those host mappings into the shared RAM; emulated devices through QEMU's translation (edu),
 * their faults read back from FSTS/FRCD over qtest.
 *
 * <p><b>The nodmar alias.</b> While a device's address space is not translated (TE off, or a
 * pass-through context), QEMU's vfio listener maps the machine's RAM sections — maps that belong to
 * no guest IOVA. A map is the alias's when the state the guest programmed says so (TE as written to
 * GCMD, the context entry under the root latched by SRTP), an unmap when it matches a recorded alias
 * range exactly; {@link NodmarAlias} accounts them as the model's TE-off identity map. Under a
 * scalable-mode root table the pass-through test is QEMU's: PGTT 100b in PASID 0's entry
 * ({@link QemuScalablePassThrough}).
 *
 * <p>QEMU runs with its own capabilities (the driver and the oracle read CAP/ECAP from it); only
 * aw-bits, caching mode and the translation mode are passed to it: {@code machine.scalable-mode}
 * (or a scalable-mode preset, {@code qemu-11.1-sm}) starts {@code scalable-mode=on}, with {@code
 * machine.flts} (or {@code qemu-11.1-sm-fsts}) {@code scalable-mode=on,fsts=on}. Overrides QEMU cannot honour are
 * listed in the {@value #EV_START} event. A QEMU that dies under the guest's input is a {@link
 * MachineCrashedException}; one that cannot start or stops answering a {@link MachineException}.
 */
public final class QemuMachine implements MachineUnderTest {
  /** QEMU started: version, CAP, ECAP and the overrides it does not honour. */
  public static final String EV_START = "qemu.start";
  /** One vfio-user message (both directions), as the server saw it. */
  public static final String EV_MESSAGE = "qemu.message";
  /** A map or unmap of QEMU's nodmar RAM alias (no guest IOVA; see the class comment). */
  public static final String EV_ALIAS = "qemu.alias";
  /** A fault record read back from QEMU's FRCD after an emulated device's DMA faulted. */
  public static final String EV_FAULT = "qemu.fault";
  static final String SOURCE = "qemu";

  private static final int EEXIST = 17;
  private static final int EINVAL = 22;
  private static final int ENOENT = 2;
  private static final int EFAULT = 14;
  private static final int ENOMEM = 12;
  private static final int ENOSPC = 28;
  /** Linux's EOPNOTSUPP (iommufd nested invalidation; no vfio container returns it). */
  private static final int EOPNOTSUPP = 95;

  private final TestBedConfig config;
  private final EventLog log;
  private final MsiSink msi;
  private final Map<String, SourceId> sids = new LinkedHashMap<>();
  /** Guards what the vfio-user threads change (alias state, containers) against the driver's thread. */
  private final Object lock = new Object();
  private final Map<String, NodmarAlias> aliases = new HashMap<>();
  private final Map<String, HostContainer> hosts = new LinkedHashMap<>();
  private final Map<String, DmaDevice> devices = new LinkedHashMap<>();
  private volatile boolean teWritten;
  private volatile long rtaddrWritten;
  private volatile long rootLatched;
  private volatile boolean scalableLatched;
  private volatile boolean ready;
  private QemuSession session;
  private MmioDevice registers;
  private MmioBus bus;
  private QemuView view;
  private ReferenceWalker walker;

  private QemuMachine(TestBedConfig config, EventLog log, MsiSink msi) {
    this.config = config;
    this.log = log;
    this.msi = msi;
    for (DeviceConfig d : config.devices()) {
      sids.put(d.id(), d.bdf());
      if (d.assigned()) aliases.put(d.id(), new NodmarAlias(d.id(), log));
    }
  }

  /**
   * Starts QEMU for {@code config} and connects everything; QEMU is stopped again if anything fails.
   *
   * @throws IllegalArgumentException for a machine QEMU cannot be (the message starts with the key)
   * @throws MachineException when there is no usable QEMU or it does not start; a QEMU that exits
   *     during its start (refusing the machine) is named by the keys its intel-iommu properties come
   *     from, with QEMU's stderr
   */
  public static QemuMachine start(TestBedConfig config, EventLog log, MsiSink msi) {
    return start(config, log, msi, translated(QemuInstallation::locate));
  }

  static QemuMachine start(TestBedConfig config, EventLog log, MsiSink msi, QemuInstallation installation) {
    QemuMachineOptions options = options(config);
    QemuMachine m = new QemuMachine(config, log, msi);
    try {
      m.session = QemuSession.start(installation, options, m.new Listener());
    } catch (QemuCrashedException e) {
      // no guest input yet: QEMU refused its command line (vtd_decide_config, an unknown property)
      throw new MachineException(refused(config, options, e.getMessage()), e);
    } catch (QemuException e) {
      throw new MachineException(e.getMessage(), e);
    }
    try {
      m.connect();
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  static QemuMachineOptions options(TestBedConfig config) {
    List<QemuDevice> devices = new ArrayList<>();
    for (DeviceConfig d : config.devices()) {
      devices.add(new QemuDevice(d.id(), d.bdf().bus(), d.bdf().device(), d.bdf().function(), d.assigned()));
    }
    // the resolved machine: machine.scalable-mode / machine.flts, else the preset's (-sm, -sm-fsts)
    return new QemuMachineOptions(config.awBits(), config.vtdConfig().cap().cm(), config.scalableMode(), config.flts(),
        config.ramBytes(), devices, null, null);
  }

  private void connect() {
    GuestMemory memory = session.memory();
    registers = new TrackedRegisters(session.vtdRegisters());
    bus = new MmioBus(log);
    VtdConfig asked = config.vtdConfig();
    bus.map(asked.mmioBase(), registers);
    Capability cap = Capability.decode(translated(() -> session.vtdRegisters().read(Registers.CAP, 8)));
    ExtendedCapability ecap = ExtendedCapability.decode(translated(() -> session.vtdRegisters().read(Registers.ECAP, 8)));
    view = new QemuView(session.vtdRegisters(), cap, ecap, asked.hostAddressWidth(), () -> scalableLatched);
    walker = new ReferenceWalker(memory, view);
    log.emit(EV_START, SOURCE, "QEMU " + session.version() + ", CAP 0x" + Long.toHexString(cap.encode())
            + ", ECAP 0x" + Long.toHexString(ecap.encode()),
        Attrs.of("version", session.version(), "cap", cap.encode(), "ecap", ecap.encode(),
            "notHonoured", String.join(", ", notHonoured(config, cap, ecap))));
    synchronized (lock) {
      for (DeviceConfig d : config.devices()) {
        if (d.assigned()) {
          HostContainer c = new HostContainer(d.id(), config.host(), memory, log, config.hostMappingLimitOrDefault());
          hosts.put(d.id(), c);
          devices.put(d.id(), new AssignedDevice(d.id(), d.bdf(), c, memory, log));
          aliases.get(d.id()).attach(c, memory);
        } else {
          devices.put(d.id(), new QemuEduDevice(d.id(), d.bdf(), session, view.cap(), log, msi));
        }
      }
      ready = true;
    }
  }

  /** A QEMU that exits during its start: the keys its intel-iommu properties come from, and QEMU's words. */
  static String refused(TestBedConfig config, QemuMachineOptions options, String qemu) {
    String mode = options.firstStage() ? " (scalable-mode=on,fsts=on: machine.scalable-mode, machine.flts)"
        : options.scalableMode() ? " (scalable-mode=on: machine.scalable-mode)" : "";
    return "machine.preset=" + config.machinePreset() + mode + ", machine.aw-bits=" + options.awBits()
        + ": QEMU did not start -device " + options.intelIommuProperties() + ": " + qemu;
  }

  /**
   * What of the configuration QEMU's intel-iommu does not do (it runs with its own registers and
   * behaviour): capability overrides that differ from QEMU's CAP/ECAP, an explicit negative caching
   * (QEMU caches successful translations only: vtd_do_iommu_translate → vtd_update_iotlb), and the
   * strict fidelity (QEMU answers as QEMU).
   */
  static List<String> notHonoured(TestBedConfig config, Capability cap, ExtendedCapability ecap) {
    VtdConfig asked = config.vtdConfig();
    List<String> out = new ArrayList<>();
    if (asked.cap().psi() != cap.psi()) out.add("machine.psi=" + asked.cap().psi());
    if (asked.cap().mamv() != cap.mamv()) out.add("machine.mamv=" + asked.cap().mamv());
    if (asked.cap().sllps() != cap.sllps()) out.add("machine.superpages (CAP.SLLPS " + asked.cap().sllps() + ")");
    if (asked.ecap().qi() != ecap.qi()) out.add("machine.queued-invalidation=" + asked.ecap().qi());
    if (asked.ecap().smts() != ecap.smts()) {
      out.add(modeKey(config.machine().scalableMode(), "machine.scalable-mode", config) + " (ECAP.SMTS "
          + (asked.ecap().smts() ? 1 : 0) + ")");
    }
    if (asked.ecap().fsts() != ecap.fsts()) {
      out.add(modeKey(config.machine().flts(), "machine.flts", config) + " (ECAP.FSTS " + (asked.ecap().fsts() ? 1 : 0) + ")");
    }
    if (Boolean.TRUE.equals(config.negativeCaching())) out.add("machine.negative-caching=true");
    if (config.fidelity() == Fidelity.STRICT) out.add("machine.fidelity=strict");
    return out;
  }

  /** The key a translation mode came from: {@code key=value} when the key is set, else the preset. */
  private static String modeKey(Boolean value, String key, TestBedConfig config) {
    return value != null ? key + "=" + value : "machine.preset=" + config.machinePreset();
  }

  // ---- the seam ----

  @Override
  public Backend backend() {
    return Backend.QEMU;
  }

  @Override
  public String version() {
    return "QEMU " + session.version();
  }

  @Override
  public GuestMemory memory() {
    return session.memory();
  }

  @Override
  public MmioBus bus() {
    return bus;
  }

  @Override
  public MachineView view() {
    return view;
  }

  @Override
  public Map<String, HostContainer> hosts() {
    return Collections.unmodifiableMap(hosts);
  }

  @Override
  public DmaDevice device(String id) {
    DmaDevice d = devices.get(id);
    if (d == null) throw new IllegalArgumentException("unknown device '" + id + "'; known: " + devices.keySet());
    return d;
  }

  /** Emulated devices are QEMU's edu, which cannot hand the bytes it read to the harness. */
  @Override
  public boolean movesData(String deviceId) {
    return !(device(deviceId) instanceof QemuEduDevice);
  }

  /** The QEMU process's id (for tests that kill it). */
  public long pid() {
    return session.pid();
  }

  @Override
  public void close() {
    if (session != null) session.close();
  }

  // ---- QEMU's calls ----

  /** vfio-user DMA_MAP/UNMAP from QEMU's vfio-user container (called on the servers' threads). */
  private final class Listener implements QemuSession.Listener {
    @Override
    public int onDmaMap(String deviceId, long iova, long gpa, long size, boolean read, boolean write) {
      synchronized (lock) {
        if (!ready || aliasMode(deviceId)) {
          aliases.get(deviceId).map(iova, gpa, size, read, write);
          return 0;
        }
        return errno(hosts.get(deviceId).map(iova, gpa, size, read, write));
      }
    }

    @Override
    public int onDmaUnmap(String deviceId, long iova, long size) {
      synchronized (lock) {
        if (aliases.get(deviceId).unmap(iova, size)) return 0;
        if (!ready) return 0; // QEMU's own start (reset) only moves alias ranges
        return errno(hosts.get(deviceId).unmap(iova, size));
      }
    }

    @Override
    public void onMessage(String deviceId, String direction, String command, String text) {
      synchronized (lock) { // one server thread per device: the log's subscribers see one event at a time
        emitMessage(deviceId, direction, command, text);
      }
    }

    private void emitMessage(String deviceId, String direction, String command, String text) {
      log.emit(EV_MESSAGE, SOURCE, direction + " " + command + (text == null || text.isEmpty() ? "" : " " + text),
          Attrs.of("device", deviceId, "direction", direction, "command", command, "text", text == null ? "" : text));
    }
  }

  /** QEMU's address space for the device is the nodmar alias: TE off, or a pass-through context (or PASID entry). */
  private boolean aliasMode(String deviceId) {
    if (!teWritten) return true;
    SourceId sid = sids.get(deviceId);
    if (sid == null) return false;
    if (scalableLatched) return QemuScalablePassThrough.passThrough(session.memory(), rootLatched, sid.sid());
    return walker.context(rootLatched, sid.sid()).kind() == ReferenceWalker.ContextKind.PASS_THROUGH;
  }

  private static int errno(HostResult r) {
    if (r.ok()) return 0;
    return switch (r.errno()) {
      case EEXIST -> EEXIST;
      case EINVAL -> EINVAL;
      case ENOENT -> ENOENT;
      case EFAULT -> EFAULT;
      case ENOMEM -> ENOMEM;
      case ENOSPC -> ENOSPC;
      case EOPNOTSUPP -> EOPNOTSUPP;
    };
  }

  // ---- the guest's side ----

  /**
   * QEMU's VT-d registers over qtest, noting what the guest programs (TE, the root pointer) before
   * QEMU acts on it, so that the DMA_MAP/UNMAP QEMU sends during the access can be told apart.
   */
  private final class TrackedRegisters implements MmioDevice {
    private final MmioDevice qemu;

    TrackedRegisters(MmioDevice qemu) {
      this.qemu = qemu;
    }

    @Override
    public long read(int offset, int size) {
      long v = translated(() -> qemu.read(offset, size));
      synchronized (lock) {
        return v; // the vfio-user threads' changes made during the access are visible from here on
      }
    }

    @Override
    public void write(int offset, int size, long value) {
      if (offset == Registers.RTADDR) {
        rtaddrWritten = size == 8 ? value : (rtaddrWritten & ~0xFFFF_FFFFL) | (value & 0xFFFF_FFFFL);
      } else if (offset == Registers.RTADDR + 4 && size == 4) {
        rtaddrWritten = (rtaddrWritten & 0xFFFF_FFFFL) | (value << 32);
      } else if (offset == Registers.GCMD) {
        if ((value & GlobalCommand.SRTP) != 0) {
          rootLatched = rtaddrWritten & ~Page.OFFSET_MASK;
          scalableLatched = view.rootScalable(rtaddrWritten); // QEMU vtd_update_scalable_state
        }
        teWritten = (value & GlobalCommand.TE) != 0;
      }
      translated(() -> {
        qemu.write(offset, size, value);
        return null;
      });
      synchronized (lock) {
        // as in read: see the changes the vfio-user threads made while QEMU handled the write
      }
    }

    @Override
    public int windowSize() {
      return qemu.windowSize();
    }

    @Override
    public String name() {
      return qemu.name();
    }
  }

  /** QEMU's exceptions as the seam's: a crash is a finding, anything else makes the run invalid. */
  static <T> T translated(Supplier<T> call) {
    try {
      return call.get();
    } catch (QemuCrashedException e) {
      throw new MachineCrashedException(e.getMessage(), e);
    } catch (QemuException e) {
      throw new MachineException(e.getMessage(), e);
    }
  }
}
