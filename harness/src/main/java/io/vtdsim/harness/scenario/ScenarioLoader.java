package io.vtdsim.harness.scenario;

import io.vtdsim.harness.scenario.YamlTree.ListNode;
import io.vtdsim.harness.scenario.YamlTree.MapNode;
import io.vtdsim.harness.scenario.YamlTree.Node;
import io.vtdsim.harness.scenario.YamlTree.ScalarNode;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.harness.machine.Backend;
import io.vtdsim.harness.testbed.Superpage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads scenario YAML files (the format of docs/scenarios.md) into {@link Scenario}s. Every problem — YAML
 * syntax, unknown keys at any level, wrong types, bad sizes, unknown names, impossible values — is a
 * {@link ScenarioException} whose message reads {@code file:line: key: what is wrong}. Keys inside a
 * step are named from the step kind, e.g. {@code map.iova}; top-level blocks by their path, e.g.
 * {@code machine.aw-bits}, {@code devices.bdf}, {@code expect.per-strategy.psi-only.outcome}.
 */
public final class ScenarioLoader {
  static final List<String> TOP_KEYS = List.of("name", "description", "parameters", "machine", "driver", "devices", "steps", "expect");
  static final List<String> MACHINE_KEYS = List.of("preset", "ram", "caching-mode", "aw-bits", "psi", "mamv",
      "superpages", "queued-invalidation", "negative-caching", "shadow-sync", "host", "backend", "fidelity",
      "host-mapping-limit", "queue", "scalable-mode", "flts");
  static final List<String> DRIVER_KEYS = List.of("preset", "flush", "dma-mode", "wait-bound", "vcpus");
  static final List<String> DEVICE_KEYS = List.of("id", "bdf", "kind", "group");
  /** The keys of an expectation (the {@code expect} block and each of its per-strategy entries). */
  static final List<String> EXPECT_KEYS = List.of("outcome", "violations");
  /** The {@code expect} key holding one expectation per shadow strategy. */
  static final String PER_STRATEGY = "per-strategy";
  static final List<String> STEP_KINDS =
      List.of("boot", "attach", "map", "dma-map", "dma-map-sg", "dma", "dma-unmap", "unmap", "detach", "shutdown",
          "advance", "repeat");

  /**
   * Largest scenario file (and text) read, checked before parsing: a scenario is a few kilobytes
   * ({@code repeat} makes long runs), and the YAML parser holds a whole scalar in memory.
   */
  public static final long MAX_BYTES = 4L << 20;
  /**
   * Most steps one run may execute, repeats unrolled: 2^24, above the 1,048,576-step DMA benchmark,
   * below what could never finish (2^31 iterations, 1000 x 1000 x 1000 nested).
   */
  public static final long MAX_UNROLLED_STEPS = 1L << 24;
  /**
   * Longest {@code dma}: 16 MiB. A DMA holds its pattern and what it read in the heap (a 1 GiB DMA in a
   * repeat would exhaust it); devices move far less per transaction.
   */
  public static final int MAX_DMA_LEN = 16 << 20;
  /** Deepest nesting of {@code repeat} inside {@code repeat}. */
  public static final int MAX_REPEAT_DEPTH = 8;

  private ScenarioLoader() {}

  /** Loads a scenario file; an unreadable file is a {@link ScenarioException} at line 0. */
  public static Scenario load(Path file) {
    return parse(read(file), file.toString());
  }

  private static String read(Path file) {
    String text;
    try {
      if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) throw tooLarge(file.toString(), Files.size(file));
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ScenarioException(file.toString(), 0, "file", "cannot read: " + describe(e), e);
    }
    return text;
  }

  private static String describe(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
    if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
    if (e instanceof java.nio.charset.CharacterCodingException) return "not UTF-8 text";
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static ScenarioException tooLarge(String source, long bytes) {
    return new ScenarioException(source, 0, "file", String.format("%,d bytes is too large: a scenario may have at"
        + " most %,d bytes (4 MiB; use repeat for long runs)", bytes, MAX_BYTES));
  }

  /** Parses scenario YAML; {@code sourceName} names it in messages and becomes {@link Scenario#source()}. */
  public static Scenario parse(String yaml, String sourceName) {
    return parse(yaml, sourceName, Map.of());
  }

  /**
   * As {@link #parse(String, String)}, with values for the file's {@code parameters} (by name; see
   * {@link ScenarioParameters}) replacing its defaults.
   */
  public static Scenario parse(String yaml, String sourceName, Map<String, String> parameters) {
    if (yaml.length() > MAX_BYTES) throw tooLarge(sourceName, yaml.length());
    Node tree = ScenarioParameters.substitute(YamlTree.parse(yaml, sourceName), parameters, sourceName);
    return ScenarioValidator.validate(new Reader(sourceName).scenario(tree), yaml);
  }

  /** As {@link #load(Path)}, with parameter values (see {@link #parse(String, String, Map)}). */
  public static Scenario load(Path file, Map<String, String> parameters) {
    return parse(read(file), file.toString(), parameters);
  }

  /** The name of a scenario file without directories and the .yaml/.yml extension. */
  static String baseName(String source) {
    String n = source.replace('\\', '/');
    n = n.substring(n.lastIndexOf('/') + 1);
    if (n.endsWith(".yaml")) return n.substring(0, n.length() - 5);
    if (n.endsWith(".yml")) return n.substring(0, n.length() - 4);
    return n;
  }

  /** One parse: the source name and what earlier steps defined (devices, domains, handles). */
  private static final class Reader {
    private final String source;
    private final Values values;
    private final Map<String, DeviceSpec> devices = new HashMap<>();
    private final Set<String> domains = new HashSet<>();
    private final Set<String> handlesEverMapped = new HashSet<>();
    private final Set<String> handlesMapped = new HashSet<>();
    /** dma-map-sg segment handles (LIST.N) → the list's handle. */
    private final Map<String, String> segmentOf = new HashMap<>();
    /** Per domain, the IOMMU-API maps still mapped (iova -> [end, line]) after the steps read so far. */
    private final Map<String, java.util.TreeMap<Long, long[]>> liveMaps = new HashMap<>();
    private int bootLine;
    private int repeatDepth;

    Reader(String source) {
      this.source = source;
      this.values = new Values(source);
    }

    Scenario scenario(Node root) {
      MapNode top = map(root, "scenario");
      checkKeys(top, "", TOP_KEYS);
      String name = optionalString(top, "", "name");
      String description = optionalString(top, "", "description");
      MachineSpec machine = top.entries().containsKey("machine")
          ? machine(map(top.entries().get("machine"), "machine")) : MachineSpec.DEFAULTS;
      DriverSpec driver = top.entries().containsKey("driver")
          ? driver(map(top.entries().get("driver"), "driver")) : DriverSpec.DEFAULTS;
      List<DeviceSpec> deviceList = top.entries().containsKey("devices")
          ? devices(list(top.entries().get("devices"), "devices")) : List.of();
      if (!top.entries().containsKey("steps")) throw values.error(top.line(), "steps", "missing (a scenario needs steps)");
      List<Step> steps = steps(list(top.entries().get("steps"), "steps"));
      if (steps.isEmpty()) throw values.error(top.entries().get("steps").line(), "steps", "empty (a scenario needs steps)");
      long unrolled = unrolled(steps);
      if (unrolled > MAX_UNROLLED_STEPS) {
        throw values.error(line(top, "steps"), "steps", String.format("%,d steps with repeats unrolled;"
            + " a run may execute at most %,d", unrolled, MAX_UNROLLED_STEPS));
      }
      Expect expect = top.entries().containsKey("expect")
          ? expect(map(top.entries().get("expect"), "expect")) : Expect.PASSES;
      return new Scenario(name != null ? name : baseName(source), description != null ? description : "",
          machine, driver, deviceList, steps, expect, source);
    }

    // ---- blocks -------------------------------------------------------------------------------

    MachineSpec machine(MapNode m) {
      checkKeys(m, "machine.", MACHINE_KEYS);
      String p = "machine.";
      String shadowSync = enumOpt(m, p, "shadow-sync", Vocabulary.SHADOW_SYNC_NAMES);
      String host = enumOpt(m, p, "host", Vocabulary.HOSTS);
      String backend = enumOpt(m, p, "backend", Vocabulary.BACKENDS);
      String fidelity = enumOpt(m, p, "fidelity", Vocabulary.FIDELITIES);
      String queue = enumOpt(m, p, "queue", Vocabulary.QUEUES);
      return MachineSpec.builder()
          .preset(enumOpt(m, p, "preset", Vocabulary.MACHINE_PRESETS))
          .ramBytes(m.entries().containsKey("ram") ? values.ram(line(m, "ram"), p + "ram", scalar(m, p, "ram")) : null)
          .cachingMode(boolOpt(m, p, "caching-mode"))
          .awBits(m.entries().containsKey("aw-bits")
              ? values.awBits(line(m, "aw-bits"), p + "aw-bits", scalar(m, p, "aw-bits")) : null)
          .psi(boolOpt(m, p, "psi"))
          .mamv(m.entries().containsKey("mamv")
              ? values.smallInt(line(m, "mamv"), p + "mamv", scalar(m, p, "mamv"), 0, 63) : null)
          .superpages(m.entries().containsKey("superpages") ? superpages(m) : null)
          .queuedInvalidation(boolOpt(m, p, "queued-invalidation"))
          .negativeCaching(boolOpt(m, p, "negative-caching"))
          .shadowSync(shadowSync == null ? null : ShadowStrategy.parse(shadowSync))
          .host(host == null ? null : HostSemantics.parse(host))
          .backend(backend == null ? null : Backend.parse(backend))
          .fidelity(fidelity == null ? null : Fidelity.of(fidelity))
          .hostMappingLimit(m.entries().containsKey("host-mapping-limit")
              ? values.positiveLong(line(m, "host-mapping-limit"), p + "host-mapping-limit",
                  scalar(m, p, "host-mapping-limit")) : null)
          .queue(queue == null ? null : Vocabulary.queue(queue))
          .scalableMode(boolOpt(m, p, "scalable-mode"))
          .flts(boolOpt(m, p, "flts"))
          .build();
    }

    private List<Superpage> superpages(MapNode m) {
      Node n = m.entries().get("superpages");
      String key = "machine.superpages";
      if (n instanceof ScalarNode s && s.isNull()) return List.of();
      if (!(n instanceof ListNode l)) throw values.error(n.line(), key, "expected a list such as [2M, 1G]");
      Set<Superpage> out = new LinkedHashSet<>();
      for (Node item : l.items()) {
        String text = scalarText(item, key);
        if (!out.add(values.superpage(item.line(), key, text))) {
          throw values.error(item.line(), key, "listed twice: " + text);
        }
      }
      return List.copyOf(out);
    }

    DriverSpec driver(MapNode m) {
      checkKeys(m, "driver.", DRIVER_KEYS);
      return new DriverSpec(
          enumOpt(m, "driver.", "preset", Vocabulary.DRIVER_PRESETS),
          enumOpt(m, "driver.", "flush", Vocabulary.FLUSH_POLICIES),
          enumOpt(m, "driver.", "dma-mode", Vocabulary.DMA_MODES),
          m.entries().containsKey("wait-bound") ? values.smallInt(line(m, "wait-bound"), "driver.wait-bound",
              scalar(m, "driver.", "wait-bound"), 1, DriverSpec.MAX_WAIT_BOUND) : null,
          m.entries().containsKey("vcpus") ? values.smallInt(line(m, "vcpus"), "driver.vcpus",
              scalar(m, "driver.", "vcpus"), 1, DriverSpec.MAX_VCPUS) : null);
    }

    List<DeviceSpec> devices(ListNode l) {
      List<DeviceSpec> out = new ArrayList<>();
      Map<String, Integer> bdfLines = new HashMap<>();
      for (Node n : l.items()) {
        MapNode m = map(n, "devices");
        checkKeys(m, "devices.", DEVICE_KEYS);
        String id = requiredScalar(m, "devices.", "id");
        String bdf = values.bdf(line(m, "bdf"), "devices.bdf", requiredScalar(m, "devices.", "bdf"));
        String kind = enumOpt(m, "devices.", "kind", Vocabulary.DEVICE_KINDS);
        if (devices.containsKey(id)) throw values.error(line(m, "id"), "devices.id", "duplicate device id '" + id + "'");
        Integer other = bdfLines.putIfAbsent(bdf, line(m, "bdf"));
        if (other != null) {
          throw values.error(line(m, "bdf"), "devices.bdf", "duplicate bdf " + bdf + " (also at line " + other + ")");
        }
        String group = m.entries().containsKey("group")
            ? values.groupName(line(m, "group"), "devices.group", scalar(m, "devices.", "group")) : null;
        DeviceSpec d = new DeviceSpec(id, bdf, kind != null ? kind : DeviceSpec.ASSIGNED, group);
        devices.put(id, d);
        out.add(d);
      }
      return out;
    }

    Expect expect(MapNode m) {
      List<String> allowed = new ArrayList<>(EXPECT_KEYS);
      allowed.add(PER_STRATEGY);
      checkKeys(m, "expect.", allowed);
      Expect byDefault = expectation(m, "expect.");
      if (!m.entries().containsKey(PER_STRATEGY)) return byDefault;
      String key = "expect." + PER_STRATEGY;
      MapNode strategies = map(m.entries().get(PER_STRATEGY), key);
      Map<String, Expect> perStrategy = new LinkedHashMap<>();
      for (Map.Entry<String, Node> e : strategies.entries().entrySet()) {
        String strategy = e.getKey();
        int line = strategies.keyLines().get(strategy);
        if (!Vocabulary.EXPECT_COLUMNS.contains(strategy)) {
          throw values.error(line, key + "." + strategy, "unknown shadow strategy; expected one of: "
              + String.join(", ", Vocabulary.EXPECT_COLUMNS));
        }
        String p = key + "." + strategy + ".";
        MapNode entry = map(e.getValue(), key + "." + strategy);
        if (entry.entries().containsKey(PER_STRATEGY)) {
          throw values.error(line(entry, PER_STRATEGY), p + PER_STRATEGY,
              "per-strategy cannot be nested: an entry gives outcome and violations for " + strategy + " only");
        }
        checkKeys(entry, p, EXPECT_KEYS);
        if (entry.entries().isEmpty()) {
          throw values.error(line, key + "." + strategy, "empty; give outcome and/or violations for " + strategy);
        }
        perStrategy.put(strategy, expectation(entry, p));
      }
      return new Expect(byDefault.outcome(), byDefault.violations(), perStrategy);
    }

    /** {@code outcome} and {@code violations} of an expectation whose keys are named {@code p + key}. */
    private Expect expectation(MapNode m, String p) {
      String outcome = enumOpt(m, p, "outcome", Vocabulary.OUTCOMES);
      List<String> kinds = new ArrayList<>();
      if (m.entries().containsKey("violations")) {
        Node n = m.entries().get("violations");
        String key = p + "violations";
        if (!(n instanceof ListNode l)) {
          throw values.error(n.line(), key, "expected a list of violation kinds such as [stale-mapping]");
        }
        for (Node item : l.items()) {
          kinds.add(values.oneOf(item.line(), key, scalarText(item, key), Vocabulary.VIOLATION_KINDS));
        }
      }
      if (outcome == null) outcome = kinds.isEmpty() ? Expect.PASS : Expect.VIOLATION;
      if (outcome.equals(Expect.PASS) && !kinds.isEmpty()) {
        throw values.error(line(m, "violations"), p + "violations",
            "violations listed but outcome is pass (use outcome: violation)");
      }
      return new Expect(outcome, kinds);
    }

    // ---- steps --------------------------------------------------------------------------------

    List<Step> steps(ListNode l) {
      List<Step> out = new ArrayList<>();
      for (Node n : l.items()) out.add(step(n));
      return out;
    }

    Step step(Node n) {
      if (n instanceof ScalarNode s) {
        if (s.isNull()) throw values.error(n.line(), "steps", "empty step");
        if (s.text().equals("boot")) return boot(s.line());
        if (s.text().equals("shutdown")) return new Step.Shutdown(s.line());
        if (STEP_KINDS.contains(s.text())) {
          throw values.error(n.line(), s.text(), "this step needs parameters (write '" + s.text() + ": {...}')");
        }
        throw values.error(n.line(), s.text(), "unknown step; expected one of: " + String.join(", ", STEP_KINDS));
      }
      if (!(n instanceof MapNode m)) throw values.error(n.line(), "steps", "a step is a name or a one-key map, found a list");
      if (m.entries().size() != 1) {
        throw values.error(n.line(), String.join(",", m.entries().keySet()),
            "a step is a map with exactly one key (the step kind), found " + m.entries().size());
      }
      String kind = m.entries().keySet().iterator().next();
      int line = m.keyLines().get(kind);
      Node body = m.entries().get(kind);
      if (NEEDS_BOOT.contains(kind) && bootLine == 0) {
        throw values.error(line, kind, "comes before boot: the driver must boot first (start the steps with boot)");
      }
      return switch (kind) {
        case "boot" -> {
          if (!(body instanceof ScalarNode s && s.isNull()) && !(body instanceof MapNode b && b.entries().isEmpty())) {
            throw values.error(line, "boot", "boot takes no parameters");
          }
          yield boot(line);
        }
        case "shutdown" -> {
          if (!(body instanceof ScalarNode s && s.isNull()) && !(body instanceof MapNode b && b.entries().isEmpty())) {
            throw values.error(line, "shutdown", "shutdown takes no parameters");
          }
          yield new Step.Shutdown(line);
        }
        case "attach" -> attach(line, map(body, kind));
        case "map" -> mapRange(line, map(body, kind));
        case "dma-map" -> dmaMap(line, map(body, kind));
        case "dma-map-sg" -> dmaMapSg(line, map(body, kind));
        case "dma" -> dma(line, map(body, kind));
        case "dma-unmap" -> dmaUnmap(line, map(body, kind));
        case "unmap" -> unmapRange(line, map(body, kind));
        case "detach" -> detach(line, map(body, kind));
        case "advance" -> new Step.Advance(line, values.duration(line, kind, scalarText(body, kind)));
        case "repeat" -> repeat(line, map(body, kind));
        default -> throw values.error(line, kind, "unknown step; expected one of: " + String.join(", ", STEP_KINDS));
      };
    }

    /** Steps that call the driver's API, which refuses them before boot. */
    private static final Set<String> NEEDS_BOOT = Set.of("attach", "map", "dma-map", "dma-map-sg", "dma-unmap", "unmap",
        "detach");

    private Step boot(int line) {
      if (bootLine != 0) {
        throw values.error(line, "boot", "a second boot (the driver booted at line " + bootLine
            + "; a driver boots once)");
      }
      bootLine = line;
      return new Step.Boot(line);
    }

    private Step attach(int line, MapNode m) {
      checkKeys(m, "attach.", List.of("device", "domain"));
      String device = knownDevice(m, "attach.");
      String domain = requiredScalar(m, "attach.", "domain");
      domains.add(domain);
      return new Step.Attach(line, device, domain);
    }

    private Step mapRange(int line, MapNode m) {
      String p = "map.";
      checkKeys(m, p, List.of("domain", "iova", "gpa", "size", "perm"));
      String domain = knownDomain(m, p);
      long iova = values.pageAligned(line(m, "iova"), p + "iova", address(m, p, "iova"));
      long gpa = values.pageAligned(line(m, "gpa"), p + "gpa", address(m, p, "gpa"));
      long size = pageSize(m, p);
      String perm = enumOpt(m, p, "perm", Vocabulary.PERMS);
      addLiveMap(line(m, "iova"), domain, iova, size);
      return new Step.MapRange(line, domain, iova, gpa, size, perm != null ? perm : "rw");
    }

    private Step unmapRange(int line, MapNode m) {
      String p = "unmap.";
      checkKeys(m, p, List.of("domain", "iova", "size"));
      String domain = knownDomain(m, p);
      long iova = values.pageAligned(line(m, "iova"), p + "iova", address(m, p, "iova"));
      long size = pageSize(m, p);
      removeLiveMaps(domain, iova, size);
      return new Step.UnmapRange(line, domain, iova, size);
    }

    /**
     * Records a map of {@code [iova, iova+size)}; one overlapping a map still live in the domain is an
     * error: Linux's IOMMU API refuses it ("DMA PTE for vPFN ... already set", -EBUSY in
     * __domain_mapping), so no run could carry it out.
     */
    private void addLiveMap(int line, String domain, long iova, long size) {
      java.util.TreeMap<Long, long[]> live = liveMaps.computeIfAbsent(domain, d -> new java.util.TreeMap<>());
      long end = iova + size;
      if (end < iova) return; // beyond 2^63: the validator rejects it against the address width
      Map.Entry<Long, long[]> below = live.lowerEntry(end);
      if (below != null && below.getValue()[0] > iova) {
        throw values.error(line, "map.iova", String.format("IOVA range [%s, +%s) overlaps [%s, %s) of domain %s,"
            + " mapped at line %d and not unmapped since (the IOMMU API refuses to map over a live mapping;"
            + " unmap it first)", Units.hex(iova), Units.formatSize(size), Units.hex(below.getKey()),
            Units.hex(below.getValue()[0]), domain, below.getValue()[1]));
      }
      live.put(iova, new long[] {end, line});
    }

    /** Takes {@code [iova, iova+size)} out of the domain's live maps (splitting maps it cuts). */
    private void removeLiveMaps(String domain, long iova, long size) {
      java.util.TreeMap<Long, long[]> live = liveMaps.get(domain);
      long end = iova + size;
      if (live == null || end < iova) return;
      Map.Entry<Long, long[]> e = live.lowerEntry(end);
      while (e != null && e.getValue()[0] > iova) {
        long start = e.getKey();
        long[] v = e.getValue();
        live.remove(start);
        if (start < iova) live.put(start, new long[] {iova, v[1]});
        if (v[0] > end) live.put(end, new long[] {v[0], v[1]});
        e = live.lowerEntry(start);
      }
    }

    private Step dmaMap(int line, MapNode m) {
      String p = "dma-map.";
      checkKeys(m, p, List.of("device", "gpa", "size", "dir", "as"));
      String device = knownDevice(m, p);
      long gpa = address(m, p, "gpa");
      long size = values.positive(line(m, "size"), p + "size",
          values.size(line(m, "size"), p + "size", requiredScalar(m, p, "size")));
      String dir = enumOpt(m, p, "dir", Vocabulary.DIRECTIONS);
      String as = handleName(m, p);
      if (as != null) {
        handlesEverMapped.add(as);
        handlesMapped.add(as);
      }
      return new Step.DmaMap(line, device, gpa, size, dir != null ? dir : "bidirectional", as);
    }

    /** A handle named by {@code as}: not one that names a segment of an earlier scatter list. */
    private String handleName(MapNode m, String p) {
      String as = optionalString(m, p, "as");
      if (as != null && segmentOf.containsKey(as)) {
        throw values.error(line(m, "as"), p + "as", "'" + as + "' names segment " + as.substring(as.lastIndexOf('.') + 1)
            + " of the scatter list '" + segmentOf.get(as) + "'; choose another name");
      }
      return as;
    }

    private Step dmaMapSg(int line, MapNode m) {
      String p = "dma-map-sg.";
      checkKeys(m, p, List.of("device", "segments", "dir", "as", "max-segment-size", "segment-boundary"));
      String device = knownDevice(m, p);
      if (!m.entries().containsKey("segments")) {
        throw values.error(line, p + "segments", "missing (a list of { gpa: ..., size: ... })");
      }
      ListNode list = list(m.entries().get("segments"), p + "segments");
      if (list.items().isEmpty()) {
        throw values.error(line(m, "segments"), p + "segments", "empty (dma_map_sg needs at least one segment)");
      }
      List<Step.SgSegment> segments = new ArrayList<>();
      String sp = p + "segments.";
      long total = 0;
      for (Node n : list.items()) {
        MapNode seg = map(n, p + "segments");
        checkKeys(seg, sp, List.of("gpa", "size"));
        long gpa = address(seg, sp, "gpa");
        if (gpa < 0) throw values.error(line(seg, "gpa"), sp + "gpa", "must not be negative");
        int sizeLine = line(seg, "size");
        long size = values.positive(sizeLine, sp + "size", values.size(sizeLine, sp + "size", requiredScalar(seg, sp, "size")));
        if (size + (gpa & Page.OFFSET_MASK) > io.vtdsim.driver.dma.SgLayout.MAX_SEGMENT) {
          throw values.error(sizeLine, sp + "size", Units.formatSize(size) + " at page offset " + Units.hex(gpa & Page.OFFSET_MASK)
              + " does not fit a scatterlist entry (its length is an unsigned int: at most "
              + Units.formatSize(io.vtdsim.driver.dma.SgLayout.MAX_SEGMENT) + " with the page rounding)");
        }
        if (gpa > Long.MAX_VALUE - size) throw values.error(line(seg, "gpa"), sp + "gpa", "the segment's end overflows 2^63");
        total += size; // each below 4 GiB: no overflow before 2^31 segments
        segments.add(new Step.SgSegment(seg.line(), gpa, size));
      }
      String dir = enumOpt(m, p, "dir", Vocabulary.DIRECTIONS);
      Long maxSegmentSize = null;
      if (m.entries().containsKey("max-segment-size")) {
        int l = line(m, "max-segment-size");
        maxSegmentSize = values.positive(l, p + "max-segment-size",
            values.size(l, p + "max-segment-size", scalar(m, p, "max-segment-size")));
        if (maxSegmentSize > 0xFFFF_FFFFL) {
          throw values.error(l, p + "max-segment-size", "at most 4GiB-1 (dma_set_max_seg_size takes an unsigned int)");
        }
      }
      Long boundary = null;
      if (m.entries().containsKey("segment-boundary")) {
        int l = line(m, "segment-boundary");
        boundary = values.size(l, p + "segment-boundary", scalar(m, p, "segment-boundary"));
        if (boundary < Vocabulary.PAGE || Long.bitCount(boundary) != 1) {
          throw values.error(l, p + "segment-boundary", "must be a power of two of at least 4KiB (the mask"
              + " dma_set_seg_boundary takes is the boundary - 1), found " + scalar(m, p, "segment-boundary"));
        }
      }
      String as = handleName(m, p);
      if (as != null) {
        handlesEverMapped.add(as);
        handlesMapped.add(as);
        for (int i = 0; i < segments.size(); i++) {
          String name = as + "." + i;
          handlesEverMapped.add(name);
          segmentOf.put(name, as);
        }
      }
      return new Step.DmaMapSg(line, device, segments, dir != null ? dir : "bidirectional", as, maxSegmentSize, boundary);
    }

    private Step dma(int line, MapNode m) {
      String p = "dma.";
      checkKeys(m, p, List.of("device", "at", "iova", "op", "len", "expect"));
      String device = knownDevice(m, p);
      boolean hasAt = m.entries().containsKey("at");
      boolean hasIova = m.entries().containsKey("iova");
      if (hasAt == hasIova) {
        throw values.error(line, "dma", hasAt
            ? "give either at (a dma-map or dma-map-sg handle) or iova, not both"
            : "missing at (a dma-map or dma-map-sg handle) or iova");
      }
      String at = null;
      Long iova = null;
      if (hasAt) {
        at = requiredScalar(m, p, "at");
        if (!handlesEverMapped.contains(at)) {
          throw values.error(line(m, "at"), p + "at", "unknown handle '" + at + "' (no earlier dma-map or dma-map-sg names it with as:)");
        }
      } else {
        iova = address(m, p, "iova");
      }
      String op = enumOpt(m, p, "op", Vocabulary.DMA_OPS);
      if (op == null) throw values.error(line, p + "op", "missing (read or write)");
      int len = m.entries().containsKey("len")
          ? values.smallInt(line(m, "len"), p + "len", scalar(m, p, "len"), 1, MAX_DMA_LEN) : 64;
      String expect = enumOpt(m, p, "expect", Vocabulary.DMA_EXPECTS);
      return new Step.Dma(line, device, at, iova, op, len, expect != null ? expect : "ok");
    }

    private Step dmaUnmap(int line, MapNode m) {
      checkKeys(m, "dma-unmap.", List.of("handle"));
      String handle = requiredScalar(m, "dma-unmap.", "handle");
      if (!handlesEverMapped.contains(handle)) {
        throw values.error(line(m, "handle"), "dma-unmap.handle",
            "unknown handle '" + handle + "' (no earlier dma-map or dma-map-sg names it with as:)");
      }
      if (segmentOf.containsKey(handle)) {
        throw values.error(line(m, "handle"), "dma-unmap.handle", "'" + handle + "' is a segment of the scatter list '"
            + segmentOf.get(handle) + "'; dma_unmap_sg unmaps the whole list (handle: " + segmentOf.get(handle) + ")");
      }
      if (!handlesMapped.remove(handle)) {
        throw values.error(line(m, "handle"), "dma-unmap.handle", "handle '" + handle + "' is already unmapped");
      }
      return new Step.DmaUnmap(line, handle);
    }

    private Step detach(int line, MapNode m) {
      checkKeys(m, "detach.", List.of("device"));
      return new Step.Detach(line, knownDevice(m, "detach."));
    }

    private Step repeat(int line, MapNode m) {
      checkKeys(m, "repeat.", List.of("times", "steps"));
      int times = values.smallInt(line(m, "times"), "repeat.times", requiredScalar(m, "repeat.", "times"), 1, Integer.MAX_VALUE);
      if (!m.entries().containsKey("steps")) throw values.error(line, "repeat.steps", "missing (the steps to repeat)");
      if (repeatDepth == MAX_REPEAT_DEPTH) {
        throw values.error(line, "repeat", "repeats nested deeper than " + MAX_REPEAT_DEPTH);
      }
      ListNode body = list(m.entries().get("steps"), "repeat.steps");
      repeatDepth++;
      try {
        // the body's second iteration starts from what its first left: read it twice when that changed
        // what later steps may do (a handle unmapped and not mapped again, a map not unmapped, a boot);
        // a third reading would find what the second did
        String before = state();
        List<Step> steps = steps(body);
        if (times > 1 && !state().equals(before)) steps(body);
        if (steps.isEmpty()) throw values.error(body.line(), "repeat.steps", "empty (the steps to repeat)");
        Step.Repeat r = new Step.Repeat(line, times, steps);
        long unrolled = unrolled(List.of(r));
        if (unrolled > MAX_UNROLLED_STEPS) {
          throw values.error(line(m, "times"), "repeat.times", String.format("%,d steps with repeats unrolled;"
              + " a run may execute at most %,d", unrolled, MAX_UNROLLED_STEPS));
        }
        return r;
      } finally {
        repeatDepth--;
      }
    }

    /** What steps read so far leave for later ones: boot, the live handles and maps. */
    private String state() {
      StringBuilder sb = new StringBuilder().append(bootLine).append(new java.util.TreeSet<>(handlesMapped));
      new java.util.TreeMap<>(liveMaps).forEach((d, live) -> {
        sb.append(d).append(':');
        live.forEach((k, v) -> sb.append(k).append('-').append(v[0]).append(','));
      });
      return sb.toString();
    }

    /** Steps executed with repeats unrolled, saturating at {@code Long.MAX_VALUE}. */
    private static long unrolled(List<Step> steps) {
      long n = 0;
      for (Step step : steps) {
        long one = step instanceof Step.Repeat r ? multiply(r.times(), unrolled(r.steps())) : 1;
        n = n > Long.MAX_VALUE - one ? Long.MAX_VALUE : n + one;
      }
      return n;
    }

    private static long multiply(long a, long b) {
      return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    // ---- typed fields -------------------------------------------------------------------------

    private String knownDevice(MapNode m, String p) {
      String id = requiredScalar(m, p, "device");
      if (!devices.containsKey(id)) {
        throw values.error(line(m, "device"), p + "device", "unknown device '" + id + "'; devices: "
            + (devices.isEmpty() ? "(none declared)" : String.join(", ", devices.keySet().stream().sorted().toList())));
      }
      return id;
    }

    private String knownDomain(MapNode m, String p) {
      String d = requiredScalar(m, p, "domain");
      if (!domains.contains(d)) {
        throw values.error(line(m, "domain"), p + "domain", "unknown domain '" + d + "' (no earlier attach names it)");
      }
      return d;
    }

    private long address(MapNode m, String p, String key) {
      return values.number(line(m, key), p + key, requiredScalar(m, p, key));
    }

    private long pageSize(MapNode m, String p) {
      int line = line(m, "size");
      long size = values.positive(line, p + "size", values.size(line, p + "size", requiredScalar(m, p, "size")));
      return values.pageAligned(line, p + "size", size);
    }

    private void checkKeys(MapNode m, String prefix, List<String> allowed) {
      for (String k : m.entries().keySet()) {
        if (!allowed.contains(k)) {
          throw values.error(m.keyLines().get(k), prefix + k, "unknown key; expected one of: " + String.join(", ", allowed));
        }
      }
    }

    private int line(MapNode m, String key) {
      Integer l = m.keyLines().get(key);
      return l != null ? l : m.line();
    }

    private MapNode map(Node n, String key) {
      if (n instanceof MapNode m) return m;
      throw values.error(n.line(), key, "expected a map (key: value), found " + what(n));
    }

    private ListNode list(Node n, String key) {
      if (n instanceof ListNode l) return l;
      throw values.error(n.line(), key, "expected a list, found " + what(n));
    }

    private static String what(Node n) {
      if (n instanceof MapNode) return "a map";
      if (n instanceof ListNode) return "a list";
      ScalarNode s = (ScalarNode) n;
      return s.isNull() ? "nothing" : "'" + s.text() + "'";
    }

    private String scalarText(Node n, String key) {
      if (n instanceof ScalarNode s && !s.isNull()) return s.text();
      throw values.error(n.line(), key, "expected a value, found " + what(n));
    }

    private String scalar(MapNode m, String p, String key) {
      return scalarText(m.entries().get(key), p + key);
    }

    private String requiredScalar(MapNode m, String p, String key) {
      if (!m.entries().containsKey(key)) throw values.error(m.line(), p + key, "missing (required)");
      return scalar(m, p, key);
    }

    private String optionalString(MapNode m, String p, String key) {
      return m.entries().containsKey(key) ? scalar(m, p, key) : null;
    }

    private String enumOpt(MapNode m, String p, String key, List<String> allowed) {
      if (!m.entries().containsKey(key)) return null;
      return values.oneOf(line(m, key), p + key, scalar(m, p, key), allowed);
    }

    private Boolean boolOpt(MapNode m, String p, String key) {
      if (!m.entries().containsKey(key)) return null;
      Node n = m.entries().get(key);
      // YAML 1.1 also reads yes/no/on/off as booleans; Boolean.valueOf would take "yes" for false
      if (n instanceof ScalarNode s && s.isBoolean() && (s.text().equalsIgnoreCase("true")
          || s.text().equalsIgnoreCase("false"))) {
        return Boolean.valueOf(s.text());
      }
      return values.bool(line(m, key), p + key, scalarText(n, p + key));
    }
  }
}
