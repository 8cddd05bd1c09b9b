package io.vtdsim.harness.qemu;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioDevice;
import io.vtdsim.emu.spec.Registers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A running QEMU q35 machine with {@code intel-iommu}, driven without a guest: the guest CPU's MMIO
 * and port accesses go over qtest ({@code -accel qtest}), guest RAM is a file both QEMU and this JVM
 * map shared ({@link #memory()}, file offset = GPA below 2 GiB, RAM above 4 GiB after it), and each assigned device is a
 * {@code vfio-user-pci} whose vfio-user server runs here. QEMU's caching-mode shadow (VT-d IOMMU
 * notifier → vfio listener → vfio-user container) then reports every mapping it makes for a device
 * as a DMA_MAP to {@link Listener#onDmaMap}, synchronously inside the guest's invalidation.
 *
 * <p>Every wait is bounded: QEMU that exits gives {@link QemuCrashedException} (exit status and
 * stderr tail), QEMU that does not answer within the reply timeout gives
 * {@link QemuTimeoutException} and is killed. {@link #close()} (also run by a JVM shutdown hook
 * until then) kills QEMU by PID and deletes every file the session made.
 */
public final class QemuSession implements AutoCloseable {
  /** Where q35's intel-iommu maps its registers (hw/i386/intel_iommu.c, Q35_HOST_BRIDGE_IOMMU_ADDR). */
  public static final long VTD_BASE = Registers.DEFAULT_BASE;
  /** Where emulated (edu) devices' BAR0 go: above q35's MMCONFIG window (0xb0000000, 256 MiB). */
  static final long EDU_BAR_BASE = 0xC000_0000L;
  static final int PCI_COMMAND = 0x04;
  static final int PCI_COMMAND_MEMORY = 0x2;
  static final int PCI_COMMAND_MASTER = 0x4;

  /**
   * What the vfio-user servers report. Called on the servers' threads (one per device), so it must be
   * thread-safe; QEMU gets its reply after the call returns, and waits at most 5 s for it
   * ({@code x-msg-timeout}). Must not call back into the session's qtest or DMA methods (QEMU is
   * waiting for this reply). Includes QEMU's own maps of all RAM while translation is off (its
   * "nodmar" alias: at start, reset, TE on/off), which belong to no guest IOVA.
   */
  public interface Listener {
    /** QEMU mapped [iova, iova+size) of {@code deviceId} to guest RAM at {@code gpa}; returns an errno (0 = ok) for QEMU. */
    int onDmaMap(String deviceId, long iova, long gpa, long size, boolean read, boolean write);

    /** QEMU unmapped everything inside [iova, iova+size); returns an errno (0 = ok) for QEMU. */
    int onDmaUnmap(String deviceId, long iova, long size);

    /** One vfio-user message: {@code direction} "recv" (from QEMU) or "send" (to QEMU), its command name and a summary. */
    void onMessage(String deviceId, String direction, String command, String text);

    /** A listener that accepts every mapping and ignores messages. */
    Listener ACCEPT_ALL = new Listener() {
      @Override
      public int onDmaMap(String deviceId, long iova, long gpa, long size, boolean read, boolean write) {
        return 0;
      }

      @Override
      public int onDmaUnmap(String deviceId, long iova, long size) {
        return 0;
      }

      @Override
      public void onMessage(String deviceId, String direction, String command, String text) {}
    };
  }

  private final QemuInstallation installation;
  private final QemuMachineOptions options;
  private final Path dir;
  private final Path stderr;
  private final GuestMemory memory;
  private final Map<String, VfioUserServer> servers = new LinkedHashMap<>();
  private final Map<String, EduDma> edus = new LinkedHashMap<>();
  private final Thread shutdownHook = new Thread(this::close, "qemu-session-shutdown");
  private final List<String> commandLine = new ArrayList<>();
  private Process process;
  private QtestClient qtest;
  private volatile RuntimeException failure;
  private volatile boolean starting = true;
  private boolean closed;

  private QemuSession(QemuInstallation installation, QemuMachineOptions options, Path dir) throws IOException {
    this.installation = installation;
    this.options = options;
    this.dir = dir;
    this.stderr = dir.resolve("qemu.stderr");
    this.memory = GuestMemory.mappedFile(dir.resolve("ram"), options.ramBytes());
  }

  /** Starts QEMU and returns once it answers qtest and every assigned device's vfio-user handshake is done. */
  public static QemuSession start(QemuInstallation installation, QemuMachineOptions options, Listener listener) {
    if (installation == null || options == null || listener == null) throw new NullPointerException("installation, options, listener");
    Path dir;
    try {
      dir = Files.createTempDirectory(tempBase(), "vtdsim-qemu-");
    } catch (IOException e) {
      throw new QemuException("cannot create the session directory: " + e.getMessage(), e);
    }
    QemuSession s = null;
    try {
      s = new QemuSession(installation, options, dir);
      s.launch(listener);
      s.starting = false;
      return s;
    } catch (IOException e) {
      if (s != null) s.close();
      else deleteTree(dir);
      throw new QemuException("cannot start QEMU: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      if (s != null) s.close();
      else deleteTree(dir);
      throw e;
    }
  }

  /** /dev/shm when there is one (guest RAM in tmpfs), else the JVM's temporary directory. */
  private static Path tempBase() {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
  }

  private void launch(Listener listener) throws IOException {
    Path qtestSocket = dir.resolve("qtest.sock");
    try (ServerSocketChannel qtestServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      qtestServer.bind(UnixDomainSocketAddress.of(qtestSocket), 1);
      Map<QemuDevice, Path> vfuSockets = new LinkedHashMap<>();
      int i = 0;
      for (QemuDevice d : options.assignedDevices()) {
        Path sock = dir.resolve("vfu" + i++ + ".sock");
        servers.put(d.id(), new VfioUserServer(d.id(), sock, new FileOffsetsAsGpas(listener, memory)));
        vfuSockets.put(d, sock);
      }
      commandLine.addAll(QemuCommandLine.build(installation.launcher(), options, dir.resolve("ram"), qtestSocket, vfuSockets));
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      process = new ProcessBuilder(commandLine)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(stderr.toFile())
          .start();
      SocketChannel ch = acceptQtest(qtestServer);
      qtest = new QtestClient(ch, options.replyTimeout(), failures());
    }
    qtest.readq(VTD_BASE + Registers.CAP); // ready: machine init (and every vfio-user realize) is done
    for (VfioUserServer s : servers.values()) {
      if (!s.isConnected()) {
        throw crashedOrKilled("vfio-user device " + s.deviceId() + " did not connect during QEMU's start"
            + (s.failure() == null ? "" : " (" + s.failure() + ")"));
      }
    }
    // what a guest's PCI driver does at probe (pci_set_master): without bus mastering QEMU refuses the device's DMA
    int slot = 0;
    for (QemuDevice d : options.devices()) {
      if (d.assigned()) {
        long cmd = qtest.pciConfigRead32(d.bus(), d.device(), d.function(), PCI_COMMAND) & 0xFFFF;
        qtest.pciConfigWrite32(d.bus(), d.device(), d.function(), PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
      } else {
        EduDma e = new EduDma(qtest, d, EDU_BAR_BASE + (long) slot++ * EduDma.BAR_SIZE);
        e.enable();
        edus.put(d.id(), e);
      }
    }
  }

  private SocketChannel acceptQtest(ServerSocketChannel server) throws IOException {
    server.configureBlocking(false);
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    try (Selector sel = Selector.open()) {
      server.register(sel, SelectionKey.OP_ACCEPT);
      while (true) {
        SocketChannel ch = server.accept();
        if (ch != null) return ch;
        if (!process.isAlive()) throw crashedOrKilled("QEMU exited during start");
        if (System.nanoTime() - deadline >= 0) {
          Processes.kill(process.toHandle());
          throw new QemuTimeoutException("QEMU (pid " + process.pid() + ") did not connect to qtest within "
              + options.startTimeout().toMillis() + " ms; killed it" + tail());
        }
        sel.select(20);
        sel.selectedKeys().clear();
      }
    }
  }

  private QtestClient.Failures failures() {
    return new QtestClient.Failures() {
      @Override
      public RuntimeException timedOut(String command) {
        return timeout("`" + command + "`");
      }

      @Override
      public RuntimeException lost(String command, IOException cause) {
        return crashedOrKilled(starting ? "QEMU exited during start (at `" + command + "`)"
            : "QEMU closed the qtest connection during `" + command + "`");
      }
    };
  }

  private synchronized RuntimeException timeout(String what) {
    if (failure != null) return failure;
    Processes.kill(process.toHandle());
    failure = new QemuTimeoutException("QEMU (pid " + process.pid() + ") did not answer " + what + " within "
        + options.replyTimeout().toMillis() + " ms; killed it" + tail());
    return failure;
  }

  /** QEMU is gone (or its connection is): wait briefly for the exit status, kill it if it is still there. */
  private synchronized RuntimeException crashedOrKilled(String what) {
    if (failure != null) return failure;
    int status = -1;
    try {
      if (process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) status = process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String how;
    if (status == -1) {
      Processes.kill(process.toHandle());
      how = "QEMU (pid " + process.pid() + ") was still running; killed it";
    } else {
      how = "QEMU (pid " + process.pid() + ") exited with status " + status
          + (status > 128 ? " (signal " + (status - 128) + ")" : "");
    }
    failure = new QemuCrashedException(what + ": " + how + tail(), status);
    return failure;
  }

  private String tail() {
    String t = stderrTail(10).strip();
    return t.isEmpty() ? "" : "; stderr:\n" + t;
  }

  private void checkUsable() {
    RuntimeException f = failure;
    if (f != null) throw f;
    if (closed) throw new IllegalStateException("the QEMU session is closed");
  }

  // ---- the machine ----

  /** Guest RAM: the file QEMU maps (file offset = GPA below 2 GiB; {@link GuestMemory#mappedFile}). */
  public GuestMemory memory() {
    return memory;
  }

  /** QEMU's VT-d registers as an {@link MmioDevice}: 4- and 8-byte accesses forwarded over qtest to {@link #VTD_BASE}. */
  public MmioDevice vtdRegisters() {
    return vtd;
  }

  private final MmioDevice vtd = new MmioDevice() {
      @Override
      public long read(int offset, int size) {
        checkUsable();
        return switch (size) {
          case 4 -> qtest.readl(VTD_BASE + offset);
          case 8 -> qtest.readq(VTD_BASE + offset);
          default -> throw new IllegalArgumentException("VT-d register access of " + size + " bytes");
        };
      }

      @Override
      public void write(int offset, int size, long value) {
        checkUsable();
        switch (size) {
          case 4 -> qtest.writel(VTD_BASE + offset, value);
          case 8 -> qtest.writeq(VTD_BASE + offset, value);
          default -> throw new IllegalArgumentException("VT-d register access of " + size + " bytes");
        }
      }

      @Override
      public int windowSize() {
        return Registers.WINDOW_SIZE; // QEMU's DMAR_REG_SIZE, 0x230
      }

      @Override
      public String name() {
        return "vtd";
      }
    };

  /** The qtest connection (guest CPU accesses, the virtual clock). */
  public QtestClient qtest() {
    checkUsable();
    return qtest;
  }

  // ---- device DMA through QEMU's vIOMMU ----

  /**
   * {@code deviceId} reads {@code len} bytes at {@code iova}: an assigned device with VFIO_USER_DMA_READ
   * (QEMU translates through its vIOMMU: errno 19 ENODEV on a translation fault, which VT-d records),
   * an emulated one with the edu device's DMA engine (at most 4 KiB; see {@link EduDma}).
   */
  public DmaAccess dmaRead(String deviceId, long iova, int len) {
    checkUsable();
    VfioUserServer s = servers.get(deviceId);
    if (s != null) {
      try {
        return s.dmaRead(iova, len, options.replyTimeout());
      } catch (TimeoutException e) {
        throw timeout(String.format("DMA_READ 0x%x+%d of %s", iova, len, deviceId));
      } catch (IOException e) {
        throw crashedOrKilled(String.format("DMA_READ 0x%x+%d of %s failed (%s)", iova, len, deviceId, e.getMessage()));
      }
    }
    return edu(deviceId).read(iova, len);
  }

  /** Assigned device {@code deviceId} writes {@code data} at {@code iova}; see {@link #dmaRead}. An emulated one: {@link #eduWriteBuffer}. */
  public DmaAccess dmaWrite(String deviceId, long iova, byte[] data) {
    checkUsable();
    VfioUserServer s = servers.get(deviceId);
    if (s != null) {
      try {
        return s.dmaWrite(iova, data, options.replyTimeout());
      } catch (TimeoutException e) {
        throw timeout(String.format("DMA_WRITE 0x%x+%d of %s", iova, data.length, deviceId));
      } catch (IOException e) {
        throw crashedOrKilled(String.format("DMA_WRITE 0x%x+%d of %s failed (%s)", iova, data.length, deviceId, e.getMessage()));
      }
    }
    throw new IllegalArgumentException("device " + deviceId + " is QEMU's edu, which writes only what its buffer holds: use eduWriteBuffer");
  }

  /** Emulated device {@code deviceId} (edu) writes the first {@code len} bytes of its buffer — what its last read brought in — at {@code iova}. */
  public DmaAccess eduWriteBuffer(String deviceId, int len, long iova) {
    checkUsable();
    return edu(deviceId).writeBuffer(iova, len);
  }

  private EduDma edu(String deviceId) {
    EduDma e = edus.get(deviceId);
    if (e == null) throw new IllegalArgumentException("no device " + deviceId + " in this QEMU machine; devices: " + options.devices());
    return e;
  }

  /** QEMU's current DMA mappings of an assigned device, by IOVA, as its vfio-user server holds them. */
  public NavigableMap<Long, Mapping> dmaMappings(String deviceId) {
    VfioUserServer s = servers.get(deviceId);
    if (s == null) throw new IllegalArgumentException("no assigned device " + deviceId);
    NavigableMap<Long, Mapping> out = new java.util.TreeMap<>();
    s.mappings().forEach((k, m) -> out.put(k, new Mapping(m.iova(), memory.gpaOfFileOffset(m.offset()), m.size(), m.read(), m.write())));
    return out;
  }

  /**
   * A DMA_MAP's offset is into the RAM file (vfio-user hands the region's fd); the listener gets the
   * GPA. A range whose bytes are not contiguous in GPA space (it would cross from the file's low part
   * into its high part) is refused with EFAULT: QEMU maps each RAM section on its own, so only a
   * broken message can carry one.
   */
  private record FileOffsetsAsGpas(Listener listener, GuestMemory memory) implements Listener {
    private static final int EFAULT = 14;

    @Override
    public int onDmaMap(String deviceId, long iova, long offset, long size, boolean read, boolean write) {
      long gpa = memory.gpaOfFileOffset(offset);
      // outside RAM or empty: the host model judges it as it is (as for the model's own shadow)
      if (gpa < 0 || size <= 0) return listener.onDmaMap(deviceId, iova, gpa < 0 ? offset : gpa, size, read, write);
      long last = memory.gpaOfFileOffset(offset + size - 1);
      if (last >= 0 && last != gpa + size - 1) {
        listener.onMessage(deviceId, "recv", "DMA_MAP", String.format(
            "offset=0x%x size=0x%x is not one guest-RAM range: refused (EFAULT)", offset, size));
        return EFAULT;
      }
      return listener.onDmaMap(deviceId, iova, gpa, size, read, write);
    }

    @Override
    public int onDmaUnmap(String deviceId, long iova, long size) {
      return listener.onDmaUnmap(deviceId, iova, size);
    }

    @Override
    public void onMessage(String deviceId, String direction, String command, String text) {
      listener.onMessage(deviceId, direction, command, text);
    }
  }

  /** One mapping QEMU made for an assigned device: [iova, iova+size) → guest RAM at {@code gpa}. */
  public record Mapping(long iova, long gpa, long size, boolean read, boolean write) {}

  // ---- the process ----

  /** QEMU's version, e.g. {@code 11.1.3}. */
  public String version() {
    return installation.version();
  }

  public QemuInstallation installation() {
    return installation;
  }

  public QemuMachineOptions options() {
    return options;
  }

  /** The command line QEMU was started with. */
  public List<String> commandLine() {
    return List.copyOf(commandLine);
  }

  public long pid() {
    return process.pid();
  }

  /** True while QEMU runs and the session has seen no failure. */
  public boolean alive() {
    return !closed && failure == null && process != null && process.isAlive();
  }

  public Path stderrFile() {
    return stderr;
  }

  /** The last {@code lines} lines QEMU wrote to stderr (empty once the session is closed). */
  public String stderrTail(int lines) {
    try (RandomAccessFile f = new RandomAccessFile(stderr.toFile(), "r")) {
      long len = f.length();
      int n = (int) Math.min(len, 64 * 1024);
      byte[] b = new byte[n];
      f.seek(len - n);
      f.readFully(b);
      String[] all = new String(b, StandardCharsets.UTF_8).split("\n", -1);
      int end = all.length > 0 && all[all.length - 1].isEmpty() ? all.length - 1 : all.length;
      int start = Math.max(0, end - lines);
      return String.join("\n", java.util.Arrays.asList(all).subList(start, end));
    } catch (IOException e) {
      return "";
    }
  }

  /** Kills QEMU (SIGTERM, after 2 s SIGKILL; its descendants too), closes the sockets and deletes the session's files. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | SecurityException e) {
      // the JVM is shutting down (this may be the hook itself)
    }
    if (process != null) Processes.terminate(process.toHandle(), 2000);
    if (qtest != null) qtest.close();
    servers.values().forEach(VfioUserServer::close);
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: the directory is in a temporary location
        }
      });
    } catch (IOException ignored) {
      // already gone
    }
  }
}
