package io.vtdsim.emu.bench;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.shadow.CachingModeShadow;
import io.vtdsim.emu.shadow.ShadowSync;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
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

/**
 * Caching-mode shadow cost with the {@code iova-tree} strategy, in a 512 MB heap.
 *
 * <ul>
 *   <li>{@code dsiFullSync}: a DSI on a domain whose {@code pages} 4 KiB mappings are already in the
 *       host (steady state: the walk visits every present table and finds every MAP identical, so
 *       no host call). Divide by {@code pages} for the per-page cost; compare {@code aw} 48 (4-level)
 *       with 57 (5-level): the cost must not depend on the address-space size.
 *   <li>{@code psiMapUnmapPair}: the guest maps one page and flushes it with a PSI, then unmaps it
 *       and flushes again (two walks, one host MAP and one host UNMAP, their events).
 * </ul>
 *
 * Events are emitted as in a real run (retention 0, no subscribers). Run:
 * {@code mvn -B -q -P bench -pl iommu-emu package -DskipTests} then
 * {@code java -jar iommu-emu/target/benchmarks.jar ShadowSyncBenchmark -f 1 -wi 3 -i 5 -w 2s -r 2s}.
 *
 * <p>Figures: the README's Benchmarks section (with {@code -prof gc}; divide by {@code pages} for ns
 * and bytes per page). A million-page domain (guest tables, IOVA tree and host container) occupies
 * ≈ 200 MB of heap.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Xms512m"})
public class ShadowSyncBenchmark {
  private static final SourceId DEV = new SourceId(0, 3, 0);
  private static final int DID = 1;
  /** Mappings start above the interrupt window; IOVA = GPA (any RAM will do). */
  private static final long BASE = 0x1_0000_0000L;
  private static final long SPARE_IOVA = 0x8000_0000L;

  @Param({"1024", "65536", "1048576"})
  public int pages;

  @Param({"48", "57"})
  public int aw;

  private CachingModeShadow shadow;
  private TableBuilder tables;
  private GuestMemory memory;
  private long top;
  private int levels;
  private long spareLeaf;
  private final long leaf = SecondLevelPte.leaf(SPARE_IOVA, true, true).encode();

  @Setup(Level.Trial)
  public void setUp() {
    VtdConfig config = VtdConfig.preset("qemu-7.2", aw);
    memory = GuestMemory.flat(16L << 30);
    EventLog log = new EventLog(new Clock()).retaining(0);
    VtdUnit unit = new VtdUnit(config, memory, log, MsiSink.NONE);
    HostContainer container = new HostContainer("nic", HostSemantics.VFIO_TYPE1, memory, log);
    shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named("iova-tree"));
    tables = new TableBuilder(memory, 0x10_0000L);
    int agaw = aw == 57 ? 3 : 2;
    levels = agaw + 2;
    top = tables.multiLevelContext(DEV.sid(), DID, agaw);
    for (int i = 0; i < pages; i++) {
      long a = BASE + i * 4096L;
      tables.map(top, levels, a, a, 4096, true, true);
    }
    // a present leaf table for the PSI pair, with its page not mapped
    tables.map(top, levels, SPARE_IOVA, SPARE_IOVA, 4096, true, true);
    spareLeaf = tables.entryAddress(top, levels, SPARE_IOVA, 1);
    memory.write64(spareLeaf, 0);
    shadow.attach(DEV, container);
    shadow.rootTablePointerSet(tables.rootTable());
    shadow.translationEnableChanged(true); // replay: every page reaches the host once
    if (container.mappingCount() != pages) throw new IllegalStateException("replay mapped " + container.mappingCount());
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int dsiFullSync() {
    shadow.iotlbInvalidated(IotlbInvalidation.domain(DID, false, false));
    return shadow.trackedMappings(DEV);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int psiMapUnmapPair() {
    memory.write64(spareLeaf, leaf);
    shadow.iotlbInvalidated(IotlbInvalidation.page(DID, SPARE_IOVA, 0, false, false, false));
    memory.write64(spareLeaf, 0);
    shadow.iotlbInvalidated(IotlbInvalidation.page(DID, SPARE_IOVA, 0, false, false, false));
    return shadow.trackedMappings(DEV);
  }
}
