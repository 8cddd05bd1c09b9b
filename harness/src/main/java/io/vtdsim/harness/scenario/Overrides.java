package io.vtdsim.harness.scenario;

import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.testbed.Superpage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Command-line overrides of scalar scenario keys: {@code --set machine.shadow-sync=psi-only --set
 * driver.preset=linux-4.10}. Keys: {@code name}, {@code description}, every {@code machine.*} key,
 * every {@code driver.*} key, {@code devices.ID.group} (a device's IOMMU group; empty for none),
 * {@code expect.outcome} and {@code expect.violations}; list values
 * ({@code machine.superpages}, {@code expect.violations}) are comma-separated, empty for none. A bad
 * key or value is a {@link ScenarioException} whose file is {@value #SOURCE}.
 *
 * <p>{@code expect.outcome} and {@code expect.violations} state the expectation for the run whatever
 * its shadow strategy: they replace the file's default expectation and drop its {@code per-strategy}
 * entries, so that an expectation given on the command line is never overridden by the file (and the
 * order of {@code --set expect.*} and {@code --set machine.shadow-sync} does not matter).
 */
public final class Overrides {
  public static final String SOURCE = "--set";

  private Overrides() {}

  /** Every key {@link #apply} accepts. */
  public static List<String> keys() {
    List<String> keys = new ArrayList<>(List.of("name", "description"));
    for (String k : ScenarioLoader.MACHINE_KEYS) keys.add("machine." + k);
    for (String k : ScenarioLoader.DRIVER_KEYS) keys.add("driver." + k);
    keys.add("devices.ID.group");
    for (String k : ScenarioLoader.EXPECT_KEYS) keys.add("expect." + k);
    return keys;
  }

  /**
   * Applies {@code key=value} assignments in order, then checks that the result is still possible
   * ({@link ScenarioValidator}: e.g. a map IOVA beyond a lowered {@code machine.aw-bits}).
   */
  public static Scenario apply(Scenario s, List<String> assignments) {
    Scenario out = s;
    for (String a : assignments) out = applyOne(out, a);
    return assignments.isEmpty() ? out : ScenarioValidator.afterOverrides(out, assignments);
  }

  private static Scenario applyOne(Scenario s, String assignment) {
    Values v = new Values(SOURCE);
    int eq = assignment.indexOf('=');
    if (eq <= 0) throw v.error(0, assignment, "expected key=value, e.g. machine.shadow-sync=psi-only");
    String key = assignment.substring(0, eq).trim();
    String value = assignment.substring(eq + 1).trim();
    DriverSpec d = s.driver();
    return switch (key) {
      case "name" -> s.withName(value);
      case "description" -> s.withDescription(value);
      case "machine.preset" -> machine(s, b -> b.preset(v.oneOf(0, key, value, Vocabulary.MACHINE_PRESETS)));
      case "machine.ram" -> machine(s, b -> b.ramBytes(v.ram(0, key, value)));
      case "machine.caching-mode" -> machine(s, b -> b.cachingMode(v.bool(0, key, value)));
      case "machine.aw-bits" -> machine(s, b -> b.awBits(v.awBits(0, key, value)));
      case "machine.psi" -> machine(s, b -> b.psi(v.bool(0, key, value)));
      case "machine.mamv" -> machine(s, b -> b.mamv(v.smallInt(0, key, value, 0, 63)));
      case "machine.superpages" -> machine(s, b -> b.superpages(superpages(v, key, value)));
      case "machine.queued-invalidation" -> machine(s, b -> b.queuedInvalidation(v.bool(0, key, value)));
      case "machine.negative-caching" -> machine(s, b -> b.negativeCaching(v.bool(0, key, value)));
      case "machine.shadow-sync" ->
          machine(s, b -> b.shadowSync(ShadowStrategy.parse(v.oneOf(0, key, value, Vocabulary.SHADOW_SYNC_NAMES))));
      case "machine.host" -> machine(s, b -> b.host(HostSemantics.parse(v.oneOf(0, key, value, Vocabulary.HOSTS))));
      case "machine.backend" -> machine(s, b -> b.backend(Backend.parse(v.oneOf(0, key, value, Vocabulary.BACKENDS))));
      case "machine.fidelity" -> machine(s, b -> b.fidelity(Fidelity.of(v.oneOf(0, key, value, Vocabulary.FIDELITIES))));
      case "machine.host-mapping-limit" -> machine(s, b -> b.hostMappingLimit(v.positiveLong(0, key, value)));
      case "machine.scalable-mode" -> machine(s, b -> b.scalableMode(v.bool(0, key, value)));
      case "machine.flts" -> machine(s, b -> b.flts(v.bool(0, key, value)));
      case "machine.queue" -> machine(s, b -> b.queue(Vocabulary.queue(v.oneOf(0, key, value, Vocabulary.QUEUES))));
      case "driver.preset" -> s.withDriver(d.withPreset(v.oneOf(0, key, value, Vocabulary.DRIVER_PRESETS)));
      case "driver.flush" -> s.withDriver(d.withFlush(v.oneOf(0, key, value, Vocabulary.FLUSH_POLICIES)));
      case "driver.dma-mode" -> s.withDriver(d.withDmaMode(v.oneOf(0, key, value, Vocabulary.DMA_MODES)));
      case "driver.wait-bound" -> s.withDriver(d.withWaitBound(v.smallInt(0, key, value, 1, DriverSpec.MAX_WAIT_BOUND)));
      case "driver.vcpus" -> s.withDriver(d.withVcpus(v.smallInt(0, key, value, 1, DriverSpec.MAX_VCPUS)));
      // a two-argument Expect has no per-strategy entries: see the class comment
      case "expect.outcome" -> {
        String outcome = v.oneOf(0, key, value, Vocabulary.OUTCOMES);
        yield s.withExpect(new Expect(outcome, outcome.equals(Expect.PASS) ? List.of() : s.expect().violations()));
      }
      case "expect.violations" -> {
        List<String> kinds = new ArrayList<>();
        for (String k : split(value)) kinds.add(v.oneOf(0, key, k, Vocabulary.VIOLATION_KINDS));
        yield s.withExpect(new Expect(kinds.isEmpty() ? s.expect().outcome() : Expect.VIOLATION, kinds));
      }
      default -> {
        if (key.startsWith(DEVICES) && key.endsWith(GROUP) && key.length() > DEVICES.length() + GROUP.length()) {
          yield deviceGroup(s, v, key, value);
        }
        throw v.error(0, key, "unknown key; expected one of: " + String.join(", ", keys()));
      }
    };
  }

  private static final String DEVICES = "devices.";
  private static final String GROUP = ".group";

  /** {@code devices.ID.group=NAME} puts the device into an IOMMU group; an empty value takes it out. */
  private static Scenario deviceGroup(Scenario s, Values v, String key, String value) {
    String id = key.substring(DEVICES.length(), key.length() - GROUP.length());
    String group = value.isEmpty() ? null : v.groupName(0, key, value);
    List<DeviceSpec> out = new ArrayList<>();
    boolean found = false;
    for (DeviceSpec d : s.devices()) {
      if (d.id().equals(id)) {
        d = d.withGroup(group);
        found = true;
      }
      out.add(d);
    }
    if (!found) {
      throw v.error(0, key, "unknown device '" + id + "'; devices: "
          + (s.devices().isEmpty() ? "(none declared)" : String.join(", ", s.devices().stream().map(DeviceSpec::id).toList())));
    }
    return s.withDevices(out);
  }

  private static List<String> split(String value) {
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) out.add(part.trim());
    }
    return out;
  }

  private static List<Superpage> superpages(Values v, String key, String value) {
    List<Superpage> out = new ArrayList<>();
    for (String part : split(value)) {
      Superpage sp = v.superpage(0, key, part);
      if (!out.contains(sp)) out.add(sp);
    }
    return out;
  }

  /** The scenario with one machine key changed by {@code change}. */
  private static Scenario machine(Scenario s, UnaryOperator<MachineSpec.Builder> change) {
    return s.withMachine(change.apply(s.machine().toBuilder()).build());
  }
}
