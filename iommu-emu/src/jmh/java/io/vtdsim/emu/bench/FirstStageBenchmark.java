package io.vtdsim.emu.bench;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import io.vtdsim.emu.vtd.FirstStageWalk;
import io.vtdsim.emu.vtd.ScalableTranslator;
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
 * Scalable-mode first-stage cost over 256 mapped 4 KiB pages: the bare {@link FirstStageWalk} of a
 * 4-level and a 5-level table (A/D already set after the first pass, so no write-back), and
 * {@link ScalableTranslator#translate} with a warm first-stage IOTLB and cold (all caches reset
 * before each op: root, scalable context entry, PASID directory and PASID entry, then the 4-level
 * walk, plus the reset events). Translations emit their {@code vtd.translate} event (retention 0).
 *
 * <p>Run: {@code mvn -B -q -P bench -pl iommu-emu package -DskipTests} then
 * {@code java -jar iommu-emu/target/benchmarks.jar FirstStageBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FirstStageBenchmark {
  private static final int SID = 0x0010;
  private static final int PAGES = 256;
  private static final long BASE_IOVA = 0x7F_0000_0000L;
  private static final long BASE_IOVA_5 = 0x00AB_0000_0000_0000L;

  private FirstStageWalk walk;
  private ScalableTranslator scalable;
  private long root4;
  private long root5;
  private long rootTable;
  private int next;

  @Setup
  public void setUp() {
    VtdConfig config = VtdConfig.preset("qemu-11.1-sm-fsts", 48);
    GuestMemory mem = GuestMemory.flat(1L << 30);
    EventLog log = new EventLog(new Clock()).retaining(0);
    ScalableTableBuilder tables = new ScalableTableBuilder(mem, 0x10_0000L);
    root4 = tables.firstStageRoot();
    root5 = tables.firstStageRoot();
    for (int i = 0; i < PAGES; i++) {
      tables.mapFirstStage(root4, 4, BASE_IOVA + i * 4096L, 0x100_0000L + i * 4096L, 4096, true);
      tables.mapFirstStage(root5, 5, BASE_IOVA_5 + i * 4096L, 0x100_0000L + i * 4096L, 4096, true);
    }
    long dir = tables.pasidContext(SID, 0, 0);
    tables.pasidEntry(dir, 0, PasidTableEntry.firstStage(1, root4, false, 2));
    rootTable = tables.rootTable();
    walk = new FirstStageWalk(mem, 48, true);
    scalable = new ScalableTranslator(config, mem, log, new Translator(config, mem, log));
    for (int i = 0; i < PAGES; i++) {
      walk.walk(root4, 4, BASE_IOVA + i * 4096L, false);
      walk.walk(root5, 5, BASE_IOVA_5 + i * 4096L, false);
      scalable.translate(rootTable, SID, BASE_IOVA + i * 4096L, false);
    }
  }

  private long nextOffset() {
    next = (next + 1) & (PAGES - 1);
    return next * 4096L + 0x18;
  }

  @Benchmark
  public FirstStageWalk.Result walk4Level() {
    return walk.walk(root4, 4, BASE_IOVA + nextOffset(), false);
  }

  @Benchmark
  public FirstStageWalk.Result walk5Level() {
    return walk.walk(root5, 5, BASE_IOVA_5 + nextOffset(), false);
  }

  @Benchmark
  public TranslationResult translateWarmIotlb() {
    return scalable.translate(rootTable, SID, BASE_IOVA + nextOffset(), false);
  }

  @Benchmark
  public TranslationResult translateCold() {
    scalable.resetCaches();
    return scalable.translate(rootTable, SID, BASE_IOVA + nextOffset(), false);
  }
}
