package io.vtdsim.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.report.CostPlot;
import io.vtdsim.harness.report.CostPlot.Cost;
import io.vtdsim.harness.report.CostPlot.Point;
import io.vtdsim.harness.report.CostPlot.Series;
import io.vtdsim.harness.report.MatrixCell;
import io.vtdsim.harness.scenario.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The data behind {@code matrix --scenarios psi-to-dsi-fallback --sweep ... --plot}: where the
 * driver's page-selective flushes become domain-selective and what each strategy makes of it.
 *
 * <p>The scenario maps a range of {@code size} as two halves, then unmaps it whole. Linux
 * (iommu_flush_iotlb_psi) flushes n = 2^AM pages with one PSI while AM ≤ CAP.MAMV, else with a DSI
 * ("mask > cap_max_amask_val"): the unmap has AM = log2(size / 4KiB), each map AM = log2(size / 8KiB).
 * psi-only ignores DSIs (the 2017 RFC), so it keeps what a DSI-flushed unmap removed (STALE) and
 * never learns what a DSI-flushed map added (MISSING); unmap-all-replay turns a DSI into unmap all +
 * replay; iova-tree into a full sync. Both older strategies walk as QEMU did before 36d2d52bdb (2018),
 * which skipped a cleared entry above the leaf level instead of unmapping its slot: a PSI-flushed
 * unmap that clears whole page tables (here from 2 MiB on, the size of a level-1 table) or 1 GiB
 * leaves leaves the host mapping in place.
 */
class PsiToDsiSweepTest {
  static final int MAMV = 18;
  static final long KIB = 1024;

  static List<MatrixCell> sweep(String sweep) {
    List<MatrixRunner.Variant> variants = MatrixCommand.variants(ScenarioCatalog.builtin(),
        List.of(ScenarioRef.of("psi-to-dsi-fallback")), List.of(), List.of(Sweep.parse(sweep)), Vocabulary.SHADOW_SYNCS,
        List.of(), List.of());
    return new MatrixRunner(ScenarioExecutor.harness(), 2).run(variants, done -> {});
  }

  static int log2(long v) {
    return 63 - Long.numberOfLeadingZeros(v);
  }

  /** DSIs the driver sends beyond the smallest size's: one per flush whose mask exceeds MAMV. */
  static int extraDsis(long size, int mamv) {
    int unmapAm = log2(size / (4 * KIB));
    int mapAm = log2(size / (8 * KIB));
    return (unmapAm > mamv ? 1 : 0) + (mapAm > mamv ? 2 : 0);
  }

  @Test
  void overRangeSizeThePsiBecomesADsiWhereTheMaskExceedsMamv() {
    CostPlot plot = CostPlot.of(sweep("parameters.size=8KiB..4GiB*2"), "parameters.size");
    assertThat(plot.xValues()).hasSize(20).startsWith("8KiB").endsWith("2GiB", "4GiB");
    assertThat(plot.series()).extracting(Series::name).containsExactly(Vocabulary.SHADOW_SYNCS.toArray(new String[0]));
    for (Series s : plot.series()) {
      Point smallest = s.at("8KiB");
      for (String x : plot.xValues()) {
        long size = io.vtdsim.harness.scenario.Units.parseSize(x);
        Point p = s.at(x);
        // the driver's choice does not depend on the strategy: every line shows the same crossover
        assertThat(p.cost(Cost.DSI) - smallest.cost(Cost.DSI)).as("%s %s DSIs", s.name(), x).isEqualTo(extraDsis(size, MAMV));
        assertThat(smallest.cost(Cost.PSI) - p.cost(Cost.PSI)).as("%s %s PSIs", s.name(), x).isEqualTo(extraDsis(size, MAMV));
      }
    }
    Series psiOnly = plot.series().get(0);
    Series replay = plot.series().get(1);
    Series tree = plot.series().get(2);
    for (String x : plot.xValues()) {
      long size = io.vtdsim.harness.scenario.Units.parseSize(x);
      boolean unmapDsi = log2(size / (4 * KIB)) > MAMV;
      boolean mapDsi = log2(size / (8 * KIB)) > MAMV;
      boolean clearsTables = size >= 2048 * KIB;
      assertThat(tree.at(x).outcome()).as("iova-tree at %s", x).isEqualTo("ok");
      if (mapDsi) {
        assertThat(psiOnly.at(x).outcome()).as("psi-only at %s", x).startsWith("MISSING");
      } else if (unmapDsi || clearsTables) {
        assertThat(psiOnly.at(x).outcome()).as("psi-only at %s", x).startsWith("STALE");
      } else {
        assertThat(psiOnly.at(x).outcome()).as("psi-only at %s", x).isEqualTo("ok");
      }
      assertThat(replay.at(x).outcome()).as("unmap-all-replay at %s", x)
          .isEqualTo(clearsTables && !unmapDsi ? "STALE+NOFAULT" : "ok");
    }
    // the price of a DSI: unmap-all-replay unmaps and replays everything, psi-only walks only PSI ranges
    assertThat(replay.at("2GiB").cost(Cost.HOST_CALLS)).isGreaterThan(10 * psiOnly.at("2GiB").cost(Cost.HOST_CALLS));
    assertThat(tree.at("2GiB").cost(Cost.WALK_ENTRIES)).isGreaterThan(psiOnly.at("2GiB").cost(Cost.WALK_ENTRIES));
  }

  @Test
  void overMamvTheSame2GibUnmapIsADsiOnlyWhileItsMaskExceedsMamv() {
    CostPlot plot = CostPlot.of(sweep("machine.mamv=16..20"), "machine.mamv");
    assertThat(plot.xValues()).containsExactly("16", "17", "18", "19", "20");
    long size = 2048 * 1024 * KIB;
    for (Series s : plot.series()) {
      Point at20 = s.at("20");
      for (String x : plot.xValues()) {
        int mamv = Integer.parseInt(x);
        assertThat(s.at(x).cost(Cost.DSI) - at20.cost(Cost.DSI)).as("%s mamv %s", s.name(), x).isEqualTo(extraDsis(size, mamv));
      }
    }
    Series psiOnly = plot.series().get(0);
    Series replay = plot.series().get(1);
    Series tree = plot.series().get(2);
    // maps of 1 GiB (AM 18) are DSI-flushed below MAMV 18: psi-only never maps them
    assertThat(psiOnly.at("16").outcome()).startsWith("MISSING");
    assertThat(psiOnly.at("17").outcome()).startsWith("MISSING");
    // at MAMV 18 only the 2 GiB unmap (AM 19) is a DSI: psi-only keeps it; the replay repairs it
    assertThat(psiOnly.at("18").outcome()).isEqualTo("STALE+NOFAULT");
    assertThat(replay.at("18").outcome()).isEqualTo("ok");
    // from MAMV 19 on the unmap is one PSI over cleared 1 GiB leaves, which the pre-2018 walk skips
    for (String x : List.of("19", "20")) {
      assertThat(psiOnly.at(x).outcome()).isEqualTo("STALE+NOFAULT");
      assertThat(replay.at(x).outcome()).isEqualTo("STALE+NOFAULT");
    }
    for (String x : plot.xValues()) assertThat(tree.at(x).outcome()).isEqualTo("ok");
  }
}
