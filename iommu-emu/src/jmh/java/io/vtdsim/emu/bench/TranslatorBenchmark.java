package io.vtdsim.emu.bench;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.TranslationResult;
import io.vtdsim.emu.vtd.Translator;
import io.vtdsim.emu.vtd.VtdConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Translator#translate} cost: with a warm IOTLB (context-cache hit + IOTLB hit over 256
 * mapped 4 KiB pages), an IOTLB miss that starts the walk from the cached PDE (paging-structure
 * cache hit, spec 6.2.4: one PTE read; a one-entry IOTLB so every page misses) and a cold 4-level
 * walk (all caches reset before each translation, so the op also reads the root and context
 * entries and emits the three reset events). Each op includes emitting the {@code vtd.translate}
 * event (retention 0, no subscribers), as in a real run.
 *
 * <p>Run: {@code mvn -B -q -P bench -pl iommu-emu package -DskipTests} then
 * {@code java -jar iommu-emu/target/benchmarks.jar TranslatorBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TranslatorBenchmark {
  private static final int SID = 0x0010;
  private static final int PAGES = 256;
  private static final long BASE_IOVA = 0x7F_0000_0000L;

  private Translator translator;
  private Translator oneEntryIotlb;
  private long rootTable;
  private int next;

  @Setup
  public void setUp() {
    VtdConfig config = VtdConfig.qemu72();
    GuestMemory mem = GuestMemory.flat(1L << 30);
    EventLog log = new EventLog(new Clock()).retaining(0);
    TableBuilder tables = new TableBuilder(mem, 0x10_0000L);
    long top = tables.multiLevelContext(SID, 1, 2);
    for (int i = 0; i < PAGES; i++) {
      tables.map(top, 4, BASE_IOVA + i * 4096L, 0x100_0000L + i * 4096L, 4096, true, true);
    }
    rootTable = tables.rootTable();
    translator = new Translator(config, mem, log);
    oneEntryIotlb = new Translator(config.withIotlbCapacity(1), mem, log);
    for (int i = 0; i < PAGES; i++) {
      translator.translate(rootTable, SID, BASE_IOVA + i * 4096L, false);
      oneEntryIotlb.translate(rootTable, SID, BASE_IOVA + i * 4096L, false);
    }
  }

  private long nextIova() {
    next = (next + 1) & (PAGES - 1);
    return BASE_IOVA + next * 4096L + 0x18;
  }

  @Benchmark
  public TranslationResult warmIotlb() {
    return translator.translate(rootTable, SID, nextIova(), false);
  }

  @Benchmark
  public TranslationResult iotlbMissPagingStructureHit() {
    return oneEntryIotlb.translate(rootTable, SID, nextIova(), false);
  }

  @Benchmark
  public TranslationResult cold4LevelWalk() {
    translator.resetCaches();
    return translator.translate(rootTable, SID, nextIova(), false);
  }
}
