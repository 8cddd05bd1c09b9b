package io.vtdsim.harness.bench;

import io.vtdsim.driver.Direction;
import io.vtdsim.driver.DriverConfig;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.IntelIommuDriver;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.shadow.ShadowSync;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.testbed.TestBed;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One DMA-API 4 KiB map + unmap under caching mode, the whole way: the driver's IOVA allocation and
 * PTE writes, PSI + wait descriptors and the IQT write over the MMIO bus, the unit (qemu-7.2, inline
 * queue) fetching and executing them, the iova-tree shadow walking the guest table and the
 * vfio-type1 host container mapping and unmapping — against {@link #floor}, the least work such a
 * pair can do (a PTE store, a descriptor store, one host-map hash update each way).
 *
 * <p>{@code events}: {@code off} keeps no event and has no subscriber (what a fast exploration run
 * wants); {@code trace} retains the last {@link RunOptions#DEFAULT_EVENT_RETENTION} events, as
 * {@code vtdsim run --trace} does. {@code live} DMA mappings stay mapped meanwhile (through the same
 * DMA API), so the per-pair cost shows whether it grows with the number of mappings.
 *
 * <pre>
 * mvn -B -q -P bench -pl harness -am package -DskipTests
 * java -jar harness/target/benchmarks.jar EndToEndMapBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class EndToEndMapBenchmark {
  /** One machine: unit, shadow, host and booted driver, with {@code live} DMA mappings in place. */
  @State(Scope.Thread)
  public static class Machine {
    @Param({"off", "trace"})
    public String events;

    @Param({"0", "65536", "1048576"})
    public int live;

    final SourceId dev = SourceId.parse("00:03.0");
    VtdUnit unit;
    IntelIommuDriver driver;

    @Setup(Level.Trial)
    public void setUp() {
      Clock clock = new Clock();
      EventLog log = new EventLog(clock, events.equals("off") ? 0 : RunOptions.DEFAULT_EVENT_RETENTION);
      GuestMemory memory = GuestMemory.q35(1L << 30);
      MmioBus bus = new MmioBus(log);
      VtdConfig config = VtdConfig.preset("qemu-7.2", 48).withQueueProcessing(VtdConfig.QueueProcessing.INLINE);
      unit = new VtdUnit(config, memory, log, (address, data) -> driver.onInterrupt(address, data));
      bus.map(config.mmioBase(), unit);
      CachingModeShadow shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named("iova-tree"));
      HostContainer host = new HostContainer("nic", HostSemantics.parse("vfio-type1"), memory, log);
      shadow.attach(dev, host);
      RamRegion pool = TestBed.tablePool(memory);
      driver = new IntelIommuDriver(bus, memory, clock, log, DriverConfig.of(DriverPreset.parse("linux-6.12"))
          .withMmioBase(config.mmioBase()).withTablePool(pool.base(), pool.size()));
      driver.boot(List.of(dev));
      for (int i = 0; i < live; i++) driver.mapSingle(dev, 0x400000 + (i % 1024) * 4096L, 4096, Direction.TO_DEVICE);
      if (host.mappingCount() != live) {
        throw new IllegalStateException("the host holds " + host.mappingCount() + " mappings, not " + live);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      unit.close();
    }
  }

  /** The floor's state: one table page, one queue page, one host hash map. */
  @State(Scope.Thread)
  public static class Floor {
    static final Long GPA = 0x200000L;
    final long[] tablePage = new long[512];
    final long[] queuePage = new long[512];
    final HashMap<Long, Long> hostMap = new HashMap<>();
    final Long[] keys = new Long[512];
    int tail;

    @Setup(Level.Trial)
    public void setUp() {
      for (int i = 0; i < keys.length; i++) keys[i] = (long) i << 12;
    }
  }

  @Benchmark
  public long mapUnmap4k(Machine m) {
    long iova = m.driver.mapSingle(m.dev, 0x200000, 4096, Direction.BIDIRECTIONAL);
    m.driver.unmapSingle(m.dev, iova, 4096, Direction.BIDIRECTIONAL);
    return iova;
  }

  /** The least a map + unmap pair must do: PTE, descriptor and host map, set then cleared. */
  @Benchmark
  public int floor(Floor f) {
    int slot = f.tail++ & 511;
    f.tablePage[slot] = 0x200000L | 3;
    f.queuePage[slot & ~1] = 0x0000_0001_0000_0012L;
    f.queuePage[slot | 1] = (long) slot << 12;
    f.hostMap.put(f.keys[slot], Floor.GPA);
    f.tablePage[slot] = 0;
    f.queuePage[slot & ~1] = 0x0000_0001_0000_0012L;
    f.queuePage[slot | 1] = (long) slot << 12;
    f.hostMap.remove(f.keys[slot]);
    return slot;
  }
}
