package io.vtdsim.driver;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * dma_map_single + dma_unmap_single of 4 KiB under CM, end to end: the driver's page-table writes, two
 * PSI + wait submissions through MMIO, and the emulated unit (qemu-7.2, inline queue processing)
 * executing them. The event log retains nothing (subscribers would still see every event). {@code live}
 * buffers stay mapped meanwhile (set up through the same DMA API), to show the per-call cost does not
 * grow with the number of live mappings.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DmaMapBenchmark {
  @Param({"linux-6.1"})
  public String preset;

  @Param({"0", "65536"})
  public int live;

  private VtdUnit unit;
  private IntelIommuDriver driver;
  private final SourceId dev = SourceId.parse("00:03.0");

  @Setup(Level.Trial)
  public void setUp() {
    Clock clock = new Clock();
    EventLog log = new EventLog(clock, 0);
    GuestMemory memory = GuestMemory.flat(256L << 20);
    MmioBus bus = new MmioBus(log);
    VtdConfig config = VtdConfig.preset("qemu-7.2", 48).withQueueProcessing(VtdConfig.QueueProcessing.INLINE);
    unit = new VtdUnit(config, memory, log, MsiSink.NONE);
    bus.map(config.mmioBase(), unit);
    driver = new IntelIommuDriver(bus, memory, clock, log, DriverConfig.of(preset).withMmioBase(config.mmioBase()));
    driver.boot(List.of(dev));
    for (int i = 0; i < live; i++) driver.mapSingle(dev, 0x400000 + (i % 1024) * 4096L, 4096, Direction.TO_DEVICE);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    unit.close();
  }

  @Benchmark
  public long mapUnmap4k() {
    long iova = driver.mapSingle(dev, 0x200000, 4096, Direction.BIDIRECTIONAL);
    driver.unmapSingle(dev, iova, 4096, Direction.BIDIRECTIONAL);
    return iova;
  }
}
