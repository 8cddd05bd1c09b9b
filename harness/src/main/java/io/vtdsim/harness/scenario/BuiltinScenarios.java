package io.vtdsim.harness.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scenarios shipped with vtdsim ({@code src/main/resources/scenarios/NAME.yaml}). Each file's
 * {@code description} says what it shows and why each shadow strategy behaves as it does; its
 * {@code expect} block declares the outcome and violation kinds under every strategy (a default plus
 * one {@code per-strategy} entry per strategy; unaligned-pre-5.18 has the default only). The scalable-mode
 * ones (first-stage-shadowed, first-stage-nested, second-stage-scalable, nested-skipped-flush)
 * also declare {@code nested}, nesting instead of shadowing.
 */
public final class BuiltinScenarios {
  private BuiltinScenarios() {}

  private static final List<String> NAMES = List.of(
      "map-unmap-4k",
      "psi-to-dsi-fallback",
      "psi-absent",
      "duplicate-psi",
      "domain-switch",
      "superpage-split",
      "no-map-flush-emulated",
      "no-map-flush-assigned",
      "unflushed-map-4.10",
      "lazy-dsi-batching",
      "unaligned-pre-5.18",
      "interrupt-window",
      "translation-disabled",
      "first-stage-shadowed",
      "first-stage-nested",
      "second-stage-scalable",
      "nested-skipped-flush");
  /** The scalable-mode ones: first- and second-stage guests, shadowed and nested. */
  private static final List<String> SCALABLE_MODE =
      List.of("first-stage-shadowed", "first-stage-nested", "second-stage-scalable", "nested-skipped-flush");

  /** Every built-in scenario name, in a teaching order. */
  public static List<String> names() {
    return NAMES;
  }

  /**
   * The built-ins of the caching-mode shadowing question, legacy-mode guests under the three shadow
   * strategies: the demo's rows. The scalable-mode ones compare shadowing with nesting (their
   * {@code nested} column) and are run with {@code matrix --strategies ...,nested}.
   */
  public static List<String> shadowingNames() {
    return NAMES.stream().filter(n -> !SCALABLE_MODE.contains(n)).toList();
  }

  /**
   * Built-ins parsed so far, by name and parameter values: a scenario is an immutable value, so a
   * matrix or a sweep parses each built-in once, not once per run. At most {@link #MAX_PARSED} kept.
   */
  private static final Map<List<Object>, Scenario> PARSED = new ConcurrentHashMap<>();
  private static final int MAX_PARSED = 1024;

  /** Loads one built-in scenario (source {@code builtin:NAME}). */
  public static Scenario load(String name) {
    return load(name, Map.of());
  }

  /** As {@link #load(String)}, with values for the scenario's {@code parameters}. */
  public static Scenario load(String name, Map<String, String> parameters) {
    List<Object> key = List.of(name, new TreeMap<>(parameters));
    Scenario s = PARSED.get(key);
    if (s != null) return s;
    s = ScenarioLoader.parse(text(name), "builtin:" + name, parameters);
    if (PARSED.size() < MAX_PARSED) PARSED.putIfAbsent(key, s);
    return s;
  }

  /** The first line of the scenario's description. */
  public static String summary(String name) {
    String d = load(name).description().strip();
    int nl = d.indexOf('\n');
    return nl < 0 ? d : d.substring(0, nl).strip();
  }

  /** The YAML text of a built-in scenario. */
  public static String text(String name) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown built-in scenario '" + name + "'; known: " + String.join(", ", NAMES));
    }
    try (InputStream in = BuiltinScenarios.class.getResourceAsStream("/scenarios/" + name + ".yaml")) {
      if (in == null) throw new IllegalStateException("built-in scenario resource missing: " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
