package io.vtdsim.harness.scenario;

import org.junit.jupiter.api.Test;

class ExploreTmpTest {
  @Test
  void explore() {
    for (String n : BuiltinScenarios.names()) {
      for (String strat : new String[] {"psi-only", "unmap-all-replay", "iova-tree"}) {
        Scenario s = BuiltinScenarios.load(n);
        s = s.withMachine(s.machine().withShadowSync(strat));
        ScenarioResult r = new ScenarioRunner().run(s);
        System.out.println("XX " + n + " x " + strat + " -> " + r.outcome() + " met=" + r.met() + " " + r.violationKinds() + (r.error() != null ? " ERR " + r.error() : ""));
        if (System.getenv("VV") != null) r.violations().forEach(v -> System.out.println("   " + v));
      }
    }
  }
}
