package io.vtdsim.harness.qemu;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Real QEMU's costs (needs QEMU, see README "Real QEMU"): start to ready (spawn, vfio-user handshake,
 * first qtest reply), and one PSI round trip — PTE write, PSI + wait descriptor, IQT write, status
 * read — alternately mapping and unmapping one 4 KiB page, so each produces exactly one DMA_MAP or
 * DMA_UNMAP. The trial also prints the median from the PTE write to the message's arrival at the
 * vfio-user server.
 *
 * <pre>
 * mvn -B -q -P bench -pl harness -am package -DskipTests
 * java -jar harness/target/benchmarks.jar QemuBenchmark -f 1 -wi 2 -i 3
 * </pre>
 */
public class QemuBenchmark {
  static final QemuMachineOptions MACHINE = new QemuMachineOptions(48, true, 256L << 20,
      List.of(new QemuDevice("nic", 0, 1, 0, true)));
  static final int SID = 0x0008;
  static final int DID = 1;
  static final long IOVA = 0xA000000L;

  /** One session per iteration for the start benchmark. */
  @State(Scope.Thread)
  public static class Starts {
    QemuInstallation qemu;
    QemuSession session;

    @Setup(Level.Trial)
    public void locate() {
      qemu = QemuInstallation.locate(); // the probe is cached: not part of a start
    }

    @TearDown(Level.Iteration)
    public void close() {
      if (session != null) session.close();
      session = null;
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 10)
  public QemuSession startToReady(Starts s) {
    s.session = QemuSession.start(s.qemu, MACHINE, QemuSession.Listener.ACCEPT_ALL);
    return s.session;
  }

  /** A translating machine with one assigned device and its context entry. */
  @State(Scope.Thread)
  public static class Translating implements QemuSession.Listener {
    QemuSession session;
    QemuGuest guest;
    long top;
    boolean mapped;
    volatile long lastMessage;
    long[] toMessage = new long[1 << 16];
    int samples;

    @Setup(Level.Trial)
    public void start() {
      session = QemuSession.start(QemuInstallation.locate(), MACHINE, this);
      guest = new QemuGuest(session, 48);
      top = guest.tables.multiLevelContext(SID, DID, guest.agaw());
      guest.bringUp();
      guest.translation(true);
    }

    @TearDown(Level.Trial)
    public void close() {
      session.close();
      long[] s = Arrays.copyOf(toMessage, Math.min(samples, toMessage.length));
      Arrays.sort(s);
      if (s.length > 0) {
        System.out.printf("%nPTE write -> DMA_MAP/UNMAP at the server: median %.1f us, p10 %.1f, p90 %.1f (%d samples)%n",
            s[s.length / 2] / 1e3, s[s.length / 10] / 1e3, s[s.length * 9 / 10] / 1e3, s.length);
      }
    }

    @Override
    public int onDmaMap(String deviceId, long iova, long gpa, long size, boolean read, boolean write) {
      lastMessage = System.nanoTime();
      return 0;
    }

    @Override
    public int onDmaUnmap(String deviceId, long iova, long size) {
      lastMessage = System.nanoTime();
      return 0;
    }

    @Override
    public void onMessage(String deviceId, String direction, String command, String text) {}
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void psiRoundTrip(Translating t) {
    long t0 = System.nanoTime();
    if (t.mapped) t.guest.tables.unmap(t.top, t.guest.levels, IOVA, 4096);
    else t.guest.tables.map(t.top, t.guest.levels, IOVA, 0x300000L, 4096, true, true);
    t.mapped = !t.mapped;
    t.guest.psi(DID, IOVA, 0);
    if (t.samples < t.toMessage.length) t.toMessage[t.samples] = t.lastMessage - t0;
    t.samples++;
  }
}
