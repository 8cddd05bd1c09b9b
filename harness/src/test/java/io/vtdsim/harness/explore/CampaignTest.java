package io.vtdsim.harness.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.scenario.Overrides;
import io.vtdsim.harness.scenario.RunOptions;
import io.vtdsim.harness.scenario.Scenario;
import io.vtdsim.harness.scenario.ScenarioLoader;
import io.vtdsim.harness.scenario.ScenarioResult;
import io.vtdsim.harness.scenario.ScenarioRunner;
import io.vtdsim.harness.scenario.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CampaignTest {
  private static final GeneratorOptions SMALL = GeneratorOptions.defaults().withSteps(4);

  private static long seedOf(Scenario s) {
    return Long.parseLong(s.name().substring("explore-".length()).replace("-shrunk", ""));
  }

  private static ScenarioResult pass(Scenario s) {
    return new ScenarioResult(s, ScenarioResult.PASS, true, List.of(), Map.of(), List.of(), null);
  }

  /** A stand-in harness: seeds in {@code failing} show a stale mapping at their first attach. */
  private static Function<Scenario, ScenarioResult> failingFor(Set<Long> failing, Set<Long> seen) {
    return s -> {
      long seed = seedOf(s);
      seen.add(seed);
      int at = 0;
      while (at < s.steps().size() && !(s.steps().get(at) instanceof Step.Attach)) at++;
      if (!failing.contains(seed) || at == s.steps().size()) return pass(s);
      Violation v = new Violation(Violation.STALE_MAPPING, at, s.steps().get(at).describe(), "nic", 0x1000, 0x1000, "planted");
      return new ScenarioResult(s, ScenarioResult.VIOLATION, false, List.of(v), Map.of(), List.of(), null);
    };
  }

  private static Campaign.Summary run(Campaign.Options o, Function<Scenario, ScenarioResult> runner) {
    return new Campaign(o, SMALL, runner, runner, r -> null, System::nanoTime).run(new Campaign.Listener() {});
  }

  private static Campaign.Options bounded(long seed, long runs, int jobs, int shard, int shards, boolean keepGoing) {
    return new Campaign.Options(seed, runs, 0, jobs, shard, shards, keepGoing, 20);
  }

  private static long stepsOf(long seed) {
    return new ScenarioGenerator(seed, SMALL).generate().steps().size();
  }

  @Test
  void theShardsTogetherRunEverySeedOnceWhateverTheJobs() {
    Set<Long> unsharded = new ConcurrentSkipListSet<>();
    Campaign.Summary all = run(bounded(5, 23, 1, 0, 1, false), failingFor(Set.of(), unsharded));
    assertThat(unsharded).containsExactlyElementsOf(LongStream.rangeClosed(5, 27).boxed().toList());
    assertThat(all.scenarios()).isEqualTo(23);
    assertThat(all.steps()).isEqualTo(LongStream.rangeClosed(5, 27).map(CampaignTest::stepsOf).sum());

    List<Long> union = new ArrayList<>();
    long scenarios = 0;
    long steps = 0;
    for (int i = 0; i < 3; i++) {
      Set<Long> seen = new ConcurrentSkipListSet<>();
      Campaign.Summary s = run(bounded(5, 23, 1 + i, i, 3, false), failingFor(Set.of(), seen));
      for (long seed : seen) assertThat((seed - 5) % 3).isEqualTo(i);
      union.addAll(seen);
      scenarios += s.scenarios();
      steps += s.steps();
    }
    assertThat(union).hasSize(23);
    assertThat(new TreeSet<>(union)).isEqualTo(unsharded);
    assertThat(scenarios).isEqualTo(all.scenarios());
    assertThat(steps).isEqualTo(all.steps());
  }

  @Test
  void withoutContinueEveryJobCountStopsAtTheLowestFailingSeed() {
    Set<Long> failing = Set.of(13L, 9L, 30L);
    for (int jobs : new int[] {1, 2, 4}) {
      Campaign.Summary s = run(bounded(1, 40, jobs, 0, 1, false), failingFor(failing, new HashSet<>()));
      assertThat(s.stop()).isEqualTo(Campaign.Stop.FINDING);
      assertThat(s.scenarios()).as("jobs %d", jobs).isEqualTo(9);
      assertThat(s.lastSeed()).isEqualTo(9);
      assertThat(s.steps()).isEqualTo(LongStream.rangeClosed(1, 9).map(CampaignTest::stepsOf).sum());
      assertThat(s.failures()).extracting(Campaign.Failure::seed).containsExactly(9L);
      assertThat(s.findings()).extracting(Campaign.Finding::seed).containsExactly(9L);
    }
  }

  @Test
  void withContinueEverySeedRunsAndEachMechanismIsFoundOnceAtItsLowestSeed() {
    Set<Long> failing = Set.of(13L, 9L, 30L);
    Campaign.Summary s = run(bounded(1, 40, 3, 0, 1, true), failingFor(failing, new HashSet<>()));
    assertThat(s.stop()).isEqualTo(Campaign.Stop.SEEDS);
    assertThat(s.scenarios()).isEqualTo(40);
    assertThat(s.failures()).extracting(Campaign.Failure::seed).containsExactly(9L, 13L, 30L);
    assertThat(s.findings()).singleElement().satisfies(f -> {
      assertThat(f.key()).isEqualTo("stale-mapping@attach");
      assertThat(f.seed()).isEqualTo(9);
    });
  }

  @Test
  void theTimeLimitStopsStartingSeedsAndTheSummaryCountsWhatRan() {
    // a fake clock: every run takes one second
    AtomicLong now = new AtomicLong();
    Function<Scenario, ScenarioResult> runner = sc -> {
      now.addAndGet(1_000_000_000L);
      return pass(sc);
    };
    Campaign.Options o = new Campaign.Options(1, null, 10_000_000_000L, 1, 0, 1, false, 10);
    Campaign.Summary s = new Campaign(o, SMALL, runner, runner, r -> null, now::get).run(new Campaign.Listener() {});
    assertThat(s.stop()).isEqualTo(Campaign.Stop.TIME);
    assertThat(s.scenarios()).isEqualTo(10);
    assertThat(s.lastSeed()).isEqualTo(10);
    assertThat(s.exploreNanos()).isEqualTo(10_000_000_000L);
  }

  @Test
  void aFatalResultAbortsTheCampaign() {
    Campaign.Options o = bounded(1, 10, 2, 0, 1, false);
    Function<Scenario, ScenarioResult> runner = CampaignTest::pass;
    Campaign c = new Campaign(o, SMALL, runner, runner, r -> "no machine", System::nanoTime);
    assertThatThrownBy(() -> c.run(new Campaign.Listener() {})).isInstanceOf(Campaign.Aborted.class).hasMessage("no machine");
  }

  @Test
  void optionsRefuseBadShardsJobsAndUnboundedCampaigns() {
    assertThatThrownBy(() -> new Campaign.Options(1, 10L, 0, 1, 3, 2, false, 10)).hasMessageContaining("shard");
    assertThatThrownBy(() -> new Campaign.Options(1, 10L, 0, 0, 0, 1, false, 10)).hasMessageContaining("jobs");
    assertThatThrownBy(() -> new Campaign.Options(1, null, 0, 1, 0, 1, false, 10)).hasMessageContaining("time");
    assertThatThrownBy(() -> new Campaign.Options(1, 10L, -1, 1, 0, 1, false, 10)).hasMessageContaining("time");
    // a shard with no seed of a small space is empty, not an error
    assertThat(new Campaign.Options(1, 2L, 0, 1, 2, 3, false, 10).shardSeeds()).isZero();
  }

  /**
   * A real known-bad pair: linux-5.10 in lazy mode under psi-only. Seed 5 loses an unmap twice: a
   * detach's DSI (psi-only ignores it) and a flush-queue drain's DSI on a time advance. --continue
   * reports both, each shrunk to a scenario that replays with that mechanism.
   */
  @Test
  void continueOnALazyPsiOnlyPairFindsTheDetachAndTheFlushQueueDrainApart() {
    GeneratorOptions g = GeneratorOptions.defaults().withBase(Overrides.apply(GeneratorOptions.defaultBase(),
        List.of("driver.preset=linux-5.10", "driver.dma-mode=lazy", "machine.shadow-sync=psi-only")));
    ScenarioRunner runner = new ScenarioRunner();
    Campaign.Options o = new Campaign.Options(5, 1L, 0, 2, 0, 1, true, 120);
    Campaign.Summary s = new Campaign(o, g, sc -> runner.run(sc, RunOptions.defaults().withEventRetention(0)),
        runner::run, r -> null, System::nanoTime).run(new Campaign.Listener() {});
    assertThat(s.findings()).extracting(Campaign.Finding::key)
        .contains("stale-mapping@detach", "stale-mapping@advance+lazy");
    ScenarioWriter writer = new ScenarioWriter();
    for (Campaign.Finding f : s.findings()) {
      Scenario shrunk = ScenarioLoader.parse(writer.write(f.shrunk().scenario()), f.key() + ".yaml");
      assertThat(shrunk.steps().size()).as(f.key()).isLessThanOrEqualTo(6);
      ScenarioResult replay = runner.run(shrunk);
      assertThat(replay.met()).as(f.key()).isTrue();
      assertThat(Mechanism.all(replay)).as(f.key()).anyMatch(m -> m.key().equals(f.key()));
    }
    Campaign.Finding drain = s.findings().stream().filter(f -> f.key().equals("stale-mapping@advance+lazy")).findFirst().orElseThrow();
    assertThat(drain.shrunk().scenario().steps()).anyMatch(st -> st instanceof Step.DmaUnmap)
        .anyMatch(st -> st instanceof Step.Advance);
    assertThat(drain.shrunk().mechanism().flush()).isEqualTo("queue-dsi");
  }
}
