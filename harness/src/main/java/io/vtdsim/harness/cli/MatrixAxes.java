package io.vtdsim.harness.cli;

import io.vtdsim.harness.scenario.ScenarioException;
import io.vtdsim.harness.scenario.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What a matrix runs ({@code matrix}, {@code report}): scenarios × {@code --sweep} combinations ×
 * strategies × driver presets × flush policies, every run loaded with the {@code --set} assignments,
 * then its combination, then its strategy, driver and flush (so an axis wins over a {@code --set} of
 * the same key).
 */
final class MatrixAxes {
  @Option(names = "--scenarios", split = ",", paramLabel = "NAME|FILE",
      description = "built-in names or YAML files (default: every built-in)")
  List<String> scenarios = new ArrayList<>();

  @Option(names = "--strategies", split = ",", paramLabel = "NAME",
      description = "shadow strategies, and qemu for a column on real QEMU (default: psi-only,unmap-all-replay,iova-tree)")
  List<String> strategies = new ArrayList<>();

  @Option(names = "--drivers", split = ",", paramLabel = "PRESET",
      description = "driver presets (default: each scenario's own)")
  List<String> drivers = new ArrayList<>();

  @Option(names = "--flush", split = ",", paramLabel = "POLICY",
      description = "flush policies (default: each scenario's own)")
  List<String> flushes = new ArrayList<>();

  @Option(names = "--dma-modes", split = ",", paramLabel = "MODE",
      description = "DMA API modes, an axis (strict, lazy; default: each scenario's own)")
  List<String> dmaModes = new ArrayList<>();

  @Option(names = "--hosts", split = ",", paramLabel = "HOST",
      description = "host IOMMU models, an axis (vfio-type1, iommufd; default: each scenario's own)")
  List<String> hosts = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override a key in every run, as run --set (machine.mamv=17, parameters.size=1GiB); repeatable")
  List<String> sets = new ArrayList<>();

  @Option(names = "--sweep", paramLabel = "KEY=VALUES",
      description = "an axis over any --set key: a list (machine.mamv=16,18,20) or a range FROM..TO*F or "
          + "FROM..TO+S (parameters.size=8KiB..4GiB*2); repeatable, every combination runs")
  List<String> sweeps = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N", description = "runs in parallel (default: available processors)")
  int threads = Runtime.getRuntime().availableProcessors();

  List<String> strategies() {
    return strategies.isEmpty() ? Vocabulary.SHADOW_SYNCS : check("--strategies", strategies, Vocabulary.EXPECT_COLUMNS);
  }

  /** The --sweep axes, then --dma-modes and --hosts as axes over their keys. */
  List<Sweep> axes() {
    List<Sweep> axes = new ArrayList<>();
    for (String s : sweeps) axes.add(Sweep.parse(s));
    if (!check("--dma-modes", dmaModes, Vocabulary.DMA_MODES).isEmpty()) axes.add(new Sweep("driver.dma-mode", dmaModes));
    if (!check("--hosts", hosts, Vocabulary.HOSTS).isEmpty()) axes.add(new Sweep("machine.host", hosts));
    return axes;
  }

  List<MatrixRunner.Variant> variants(ScenarioCatalog catalog) {
    List<ScenarioRef> refs = new ArrayList<>();
    if (scenarios.isEmpty()) {
      for (String n : catalog.names()) refs.add(ScenarioRef.builtinNamed(n));
    } else {
      for (String s : scenarios) refs.add(ScenarioRef.of(s));
      for (ScenarioRef ref : refs) {
        if (ref.builtin() != null && !catalog.names().contains(ref.builtin())) {
          throw new ScenarioException("--scenarios", 0, ref.builtin(),
              "unknown built-in scenario; known: " + String.join(", ", catalog.names()));
        }
      }
    }
    List<String> strats = strategies();
    check("--drivers", drivers, Vocabulary.DRIVER_PRESETS);
    check("--flush", flushes, Vocabulary.FLUSH_POLICIES);
    return variants(catalog, refs, sets, axes(), strats, drivers, flushes);
  }

  static List<MatrixRunner.Variant> variants(ScenarioCatalog catalog, List<ScenarioRef> refs, List<String> sets,
      List<Sweep> axes, List<String> strats, List<String> drivers, List<String> flushes) {
    List<MatrixRunner.Variant> out = new ArrayList<>();
    for (ScenarioRef ref : refs) {
      for (List<String> combination : Sweep.combinations(axes)) {
        for (List<String> axis : MatrixRunner.axes(strats, drivers, flushes)) {
          List<String> all = new ArrayList<>(sets);
          all.addAll(combination);
          all.addAll(axis);
          out.add(MatrixRunner.variant(with -> ref.load(catalog, with), all));
        }
      }
    }
    return out;
  }

  private static List<String> check(String option, List<String> given, List<String> allowed) {
    for (String g : given) {
      if (!allowed.contains(g)) {
        throw new ScenarioException(option, 0, g, "unknown value; expected one of: " + String.join(", ", allowed));
      }
    }
    return given;
  }
}
