package io.vtdsim.harness.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.harness.scenario.BuiltinScenarios;
import io.vtdsim.harness.scenario.DmaExpect;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import io.vtdsim.harness.scenario.Step;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioGeneratorTest {
  private final ScenarioWriter writer = new ScenarioWriter();
  private final ScenarioRunner runner = new ScenarioRunner();

  @Test
  void fiftySeedsGiveValidScenariosThatIovaTreeKeepsExact() {
    List<String> problems = new ArrayList<>();
    for (long seed = 1; seed <= 50; seed++) {
      Scenario s = new ScenarioGenerator(seed, GeneratorOptions.defaults()).generate();
      String yaml = writer.write(s);
      Scenario loaded = ScenarioLoader.parse(yaml, "seed-" + seed + ".yaml");
      assertThat(Equivalence.of(loaded)).as("round trip of seed %d", seed).isEqualTo(Equivalence.of(s));
      // the model accepts every step as written: nothing dropped, no expectation corrected
      ScenarioModel.Replay replay = ScenarioModel.replay(loaded, loaded.steps());
      assertThat(replay.dropped()).as("dropped steps, seed %d", seed).isZero();
      assertThat(replay.corrected()).as("corrected expectations, seed %d", seed).isZero();
      ScenarioResult r = new ScenarioRunner().run(loaded);
      if (!r.met()) problems.add("seed " + seed + ": " + r.outcome() + " " + r.error() + " " + r.violations() + "\n" + yaml);
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyBuiltinScenarioServesAsABase() {
    for (String name : BuiltinScenarios.names()) {
      GeneratorOptions o = GeneratorOptions.defaults().withBase(BuiltinScenarios.load(name)).withSteps(25);
      for (long seed = 1; seed <= 3; seed++) {
        Scenario s = ScenarioLoader.parse(writer.write(new ScenarioGenerator(seed, o).generate()), name + ".yaml");
        assertThat(s.devices()).isEqualTo(BuiltinScenarios.load(name).devices());
        assertThat(ScenarioModel.replay(s, s.steps()).dropped()).isZero();
        ScenarioResult r = new ScenarioRunner().run(s);
        assertThat(r.error()).as("%s seed %d", name, seed).isNull();
      }
    }
  }

  @Test
  void sameSeedSameYaml() {
    GeneratorOptions o = GeneratorOptions.defaults().withSteps(60);
    for (long seed : new long[] {0, 7, 123456789L}) {
      assertThat(writer.write(new ScenarioGenerator(seed, o).generate()))
          .isEqualTo(writer.write(new ScenarioGenerator(seed, o).generate()));
    }
    assertThat(writer.write(new ScenarioGenerator(1, o).generate()))
        .isNotEqualTo(writer.write(new ScenarioGenerator(2, o).generate()));
  }

  @Test
  void generatesTheStepKindsItPromises() {
    List<Class<?>> kinds = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      for (Step s : new ScenarioGenerator(seed, GeneratorOptions.defaults()).generate().steps()) {
        if (!kinds.contains(s.getClass())) kinds.add(s.getClass());
      }
    }
    assertThat(kinds).contains(Step.Boot.class, Step.Attach.class, Step.Detach.class, Step.MapRange.class,
        Step.UnmapRange.class, Step.DmaMap.class, Step.DmaUnmap.class, Step.Dma.class, Step.Advance.class);
  }

  @Test
  void mapsCoverSuperpagesOddSizesAndTheInterruptWindow() {
    List<Step.MapRange> maps = new ArrayList<>();
    List<DmaExpect> expects = new ArrayList<>();
    for (long seed = 1; seed <= 20; seed++) {
      for (Step s : new ScenarioGenerator(seed, GeneratorOptions.defaults()).generate().steps()) {
        if (s instanceof Step.MapRange m) maps.add(m);
        if (s instanceof Step.Dma d) expects.add(d.expect());
      }
    }
    long twoMiB = 0x200000;
    // a 2 MiB page needs IOVA and GPA 2 MiB aligned and 2 MiB of range (VT-d spec 3.7.1, SLLPS)
    assertThat(maps).anyMatch(m -> m.iova() % twoMiB == 0 && m.gpa() % twoMiB == 0 && m.size() >= twoMiB);
    assertThat(maps).anyMatch(m -> Long.bitCount(m.size()) > 1); // not a power of two: unaligned flush ranges
    assertThat(maps).anyMatch(m -> m.size() <= 0x1000);
    assertThat(maps).anyMatch(m -> m.size() >= 0x300000);
    // at or across 0xFEE00000–0xFEEFFFFF, where vfio splits its notifiers
    assertThat(maps).anyMatch(m -> m.iova() < 0xFEF00000L && m.iova() + m.size() > 0xFEC00000L);
    assertThat(expects).contains(DmaExpect.OK, DmaExpect.FAULT);
  }

  @Test
  void dmaApiOnlyScenariosHaveNoIommuApiStepAndLinux410PassesThem() {
    GeneratorOptions dmaOnly = GeneratorOptions.defaults().withApis(GeneratorOptions.parseApis("dma")).withBase(
        io.vtdsim.harness.scenario.Overrides.apply(GeneratorOptions.defaultBase(), List.of("driver.preset=linux-4.10")));
    int dmaMaps = 0;
    int dmas = 0;
    for (long seed = 1; seed <= 40; seed++) {
      Scenario s = new ScenarioGenerator(seed, dmaOnly).generate();
      assertThat(s.steps()).noneMatch(st -> st instanceof Step.MapRange || st instanceof Step.UnmapRange);
      dmaMaps += (int) s.steps().stream().filter(st -> st instanceof Step.DmaMap).count();
      dmas += (int) s.steps().stream().filter(st -> st instanceof Step.Dma d && d.at() != null).count();
      // the target length is reached (a move may add a detach and an attach at once)
      int target = GeneratorOptions.DEFAULT_STEPS + 1 + s.devices().size();
      assertThat(s.steps().size()).isBetween(target, target + 1);
      if (seed <= 10) {
        // 4.10 never flushes IOMMU-API maps (before 4.18); through the DMA API it is explorable
        ScenarioResult r = runner.run(s);
        assertThat(r.outcome()).as("seed %d: %s", seed, r.violations()).isEqualTo(ScenarioResult.PASS);
      }
    }
    assertThat(dmaMaps).isGreaterThan(100);
    assertThat(dmas).as("DMAs at DMA-API buffers").isGreaterThan(20);
  }

  @Test
  void scatterListsAreGeneratedWithWholePagesAndTwoHundredSeedsRunCleanUnderIovaTree() {
    GeneratorOptions dmaOnly = GeneratorOptions.defaults().withApis(GeneratorOptions.parseApis("dma"));
    assertThat(dmaOnly.base().machine().shadowSyncOrDefault().label()).isEqualTo("iova-tree");
    int lists = 0;
    int segmentDmas = 0;
    int listUnmaps = 0;
    List<String> problems = new ArrayList<>();
    for (long seed = 1; seed <= 200; seed++) {
      Scenario s = new ScenarioGenerator(seed, dmaOnly).generate();
      java.util.Set<String> listNames = new java.util.HashSet<>();
      for (Step st : s.steps()) {
        if (st instanceof Step.DmaMapSg m) {
          lists++;
          listNames.add(m.as());
          assertThat(m.segments()).hasSizeBetween(1, 4);
          // whole pages of at most PCI's default 64 KiB max segment size
          assertThat(m.segments()).allSatisfy(g -> {
            assertThat(g.gpa() % 4096).isZero();
            assertThat(g.size() % 4096).isZero();
            assertThat(g.size()).isBetween(4096L, 65536L);
          });
        }
        if (st instanceof Step.Dma d && d.at() != null && d.at().contains(".")) segmentDmas++;
        if (st instanceof Step.DmaUnmap u && listNames.contains(u.handle())) listUnmaps++;
        if (st instanceof Step.DmaUnmap u) assertThat(u.handle()).doesNotContain(".");
      }
      String yaml = writer.write(s);
      Scenario loaded = ScenarioLoader.parse(yaml, "seed-" + seed + ".yaml");
      assertThat(Equivalence.of(loaded)).as("round trip of seed %d", seed).isEqualTo(Equivalence.of(s));
      assertThat(ScenarioModel.replay(loaded, loaded.steps()).dropped()).as("seed %d", seed).isZero();
      ScenarioResult r = runner.run(loaded);
      if (!r.met()) problems.add("seed " + seed + ": " + r.outcome() + " " + r.error() + " " + r.violations() + "\n" + yaml);
    }
    assertThat(problems).isEmpty();
    // a DMA-API draw is a scatter list 1 time in 4: hundreds over 200 seeds of 40 steps
    assertThat(lists).isGreaterThan(100);
    assertThat(segmentDmas).as("DMAs at a list's segments").isGreaterThan(20);
    assertThat(listUnmaps).as("dma-unmap of a list").isGreaterThan(20);
  }

  @Test
  void iommuApiOnlyScenariosHaveNoDmaApiStep() {
    GeneratorOptions iommuOnly = GeneratorOptions.defaults().withApis(java.util.Set.of(GeneratorOptions.IOMMU_API));
    for (long seed = 1; seed <= 40; seed++) {
      Scenario s = new ScenarioGenerator(seed, iommuOnly).generate();
      assertThat(s.steps()).noneMatch(st -> st instanceof Step.DmaMap || st instanceof Step.DmaUnmap);
      assertThat(s.steps()).anyMatch(st -> st instanceof Step.MapRange);
    }
  }

  @Test
  void bothApisIsTheDefaultAndUnknownApisAreRefused() {
    assertThat(GeneratorOptions.defaults().apis()).isEqualTo(GeneratorOptions.ALL_APIS);
    assertThat(GeneratorOptions.parseApis("dma,iommu")).isEqualTo(GeneratorOptions.ALL_APIS);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GeneratorOptions.parseApis("dma,vfio"))
        .hasMessageContaining("unknown API 'vfio'");
  }
}
