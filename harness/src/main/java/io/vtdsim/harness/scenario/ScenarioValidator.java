package io.vtdsim.harness.scenario;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.RamRegion;
import io.vtdsim.emu.shadow.ShadowStrategy;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.harness.qemu.QemuDevice;
import io.vtdsim.harness.qemu.QemuMachineOptions;
import io.vtdsim.harness.scenario.YamlTree.MapNode;
import io.vtdsim.harness.scenario.YamlTree.Node;
import io.vtdsim.harness.testbed.TestBed;
import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.SgEntry;
import io.vtdsim.driver.dma.SgLayout;
import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Semantic checks of a parsed {@link Scenario} against the machine it describes, for values the YAML
 * grammar accepts but no run could carry out:
 *
 * <ul>
 *   <li>{@code machine.ram} below {@link TestBed#MIN_RAM}, or whose q35 layout reaches beyond
 *       2^{@code machine.aw-bits} (the host address width: QEMU sets HAW from aw-bits, and tables,
 *       PTEs and DMA can address nothing above it) or beyond 2^63;
 *   <li>{@code machine.fidelity: qemu} with a preset that is no QEMU ({@code bare-metal});
 *   <li>a {@code map} / {@code dma-map} GPA range that is not guest RAM in the q35 layout the TestBed
 *       builds ({@link GuestMemory#q35}: RAM above 2 GiB is relocated above 4 GiB), or that overlaps
 *       the driver's table pool ({@link TestBed#tablePool});
 *   <li>a {@code map} / {@code unmap} IOVA range that reaches beyond 2^{@code machine.aw-bits};
 *   <li>a {@code map} / {@code unmap} / {@code dma-map} size of 0;
 *   <li>on {@code machine.backend: qemu}, what QEMU's q35 + intel-iommu cannot be ({@link
 *       QemuMachineOptions}): aw-bits other than 39/48, first-stage translation ({@code machine.flts}
 *       or the {@code qemu-11.1-sm-fsts} preset) at aw-bits other than 48, caching mode off with an
 *       assigned device, RAM beyond 1022 GiB or not a multiple of 2 MiB, devices off bus 0; and the
 *       model-only settings {@code machine.queue: thread} and {@code machine.shadow-sync: nested};
 *   <li>a driver step after {@code shutdown} (only {@code dma} and {@code advance} may follow it), a
 *       {@code shutdown} inside a {@code repeat}.
 * </ul>
 *
 * <p>Each problem is a {@link ScenarioException} naming the scenario's source, a line and a key: a
 * step's problem is at the step's line with the step's key ({@code map.gpa}, {@code dma-map.size});
 * {@code machine.ram} at its line in the file (0 when it is not in the file).
 *
 * <p>{@link ScenarioLoader} validates every scenario it parses; {@link Overrides#apply} validates
 * again after {@code --set}, since an override can make a valid scenario impossible. Then a problem
 * with a key that {@code --set} assigned is reported against {@code --set} (e.g. {@code --set:
 * machine.ram: ...}); any other (e.g. a map IOVA beyond {@code --set machine.aw-bits=39}) names the
 * scenario file, the step's line and key, and the message ends with the assignments applied.
 */
public final class ScenarioValidator {
  private ScenarioValidator() {}

  /** Checks {@code s} and returns it; machine keys have no line in the messages. */
  public static Scenario validate(Scenario s) {
    return validate(s, null);
  }

  /**
   * As {@link #validate(Scenario)}, for a scenario parsed from {@code yaml}: machine keys are
   * reported at their line there (the text is read again only when there is a problem to report).
   */
  static Scenario validate(Scenario s, String yaml) {
    new Check(s, yaml).run();
    return s;
  }

  /** Validation after {@code --set assignments} were applied to {@code s}; see the class comment. */
  static Scenario afterOverrides(Scenario s, List<String> assignments) {
    try {
      return validate(s);
    } catch (ScenarioException e) {
      Set<String> assigned = assignments.stream().map(a -> a.substring(0, Math.max(0, a.indexOf('='))).trim())
          .collect(Collectors.toSet());
      String applied = "after --set " + String.join(", --set ", assignments);
      if (assigned.contains(e.key())) {
        throw new ScenarioException(Overrides.SOURCE, 0, e.key(), e.problem() + " (" + applied + ")", e);
      }
      throw new ScenarioException(e.file(), e.line(), e.key(), e.problem() + " (" + applied + ")", e);
    }
  }

  /**
   * Why {@code machine.shadow-sync: nested} is a model setting: QEMU nests a guest's first-stage table
   * only for a device backed by an iommufd host IOMMU (hw/i386/intel_iommu.c vtd_check_hiod_accel, a
   * nesting-parent HWPT), and the backend's assigned devices are vfio-user devices, which have none.
   */
  static final String NESTED_ON_QEMU = "nested is a model setting: QEMU nests a first-stage table only on an"
      + " iommufd host device (vtd_check_hiod_accel), and the QEMU backend's assigned devices are vfio-user ones;"
      + " use a shadow strategy (QEMU shadows as iova-tree) or machine.backend model";

  /** One validation. */
  private static final class Check {
    private final Scenario scenario;
    private final String yaml;
    private final long ram;
    private final int awBits;
    private GuestMemory memory;
    private RamRegion pool;

    Check(Scenario scenario, String yaml) {
      this.scenario = scenario;
      this.yaml = yaml;
      this.ram = scenario.machine().ramBytesOrDefault();
      this.awBits = scenario.machine().awBitsOrDefault();
    }

    void run() {
      if (ram < TestBed.MIN_RAM) {
        throw new ScenarioException(scenario.source(), machineLine("ram"), "machine.ram", String.format(
            "%s is too small: the harness needs at least %s of guest RAM (the driver's tables come from a quarter"
                + " of it)", Units.formatSize(ram), Units.formatSize(TestBed.MIN_RAM)));
      }
      long top = ramTop(ram);
      long limit = 1L << awBits;
      if (top < 0 || top > limit) {
        throw new ScenarioException(scenario.source(), machineLine("ram"), "machine.ram", String.format(
            "%s does not fit the %d-bit address width (machine.aw-bits %d): the q35 layout puts RAM above 2 GiB"
                + " from 4 GiB on, so RAM may be at most %s", Units.formatSize(ram), awBits, awBits,
            Units.formatSize(limit - (GuestMemory.FOUR_GIB - GuestMemory.Q35_LOW_LIMIT))));
      }
      try {
        scenario.machine().registerPreset();
      } catch (IllegalArgumentException e) {
        String msg = e.getMessage();
        String key = msg.substring(0, msg.indexOf(": "));
        throw new ScenarioException(scenario.source(), machineLine(key.substring("machine.".length())), key,
            msg.substring(key.length() + 2));
      }
      if (scenario.machine().backendOrDefault() == io.vtdsim.harness.machine.Backend.QEMU) qemuLimits();
      String preset = scenario.machine().presetOrDefault();
      if (scenario.machine().fidelityOrDefault() == io.vtdsim.emu.vtd.Fidelity.QEMU && !Vocabulary.QEMU_PRESETS.contains(preset)) {
        throw new ScenarioException(scenario.source(), machineLine("fidelity"), "machine.fidelity", String.format(
            "qemu reproduces a QEMU version, and machine.preset %s is none; use one of: %s, or fidelity strict",
            preset, String.join(", ", Vocabulary.QEMU_PRESETS)));
      }
      memory = GuestMemory.q35(ram);
      pool = TestBed.tablePool(memory);
      steps(scenario.steps(), false);
    }

    /** The end of guest RAM in the q35 layout ({@link GuestMemory#q35}), or -1 beyond 2^63. */
    private static long ramTop(long ram) {
      if (ram <= GuestMemory.Q35_LOW_LIMIT) return ram;
      long hole = GuestMemory.FOUR_GIB - GuestMemory.Q35_LOW_LIMIT;
      return ram > Long.MAX_VALUE - hole ? -1 : ram + hole;
    }

    /** What {@link QemuMachineOptions} refuses, reported at the scenario key its message starts with. */
    private void qemuLimits() {
      MachineSpec m = scenario.machine();
      if (m.queueOrDefault() != MachineSpec.DEFAULT_QUEUE) {
        throw new ScenarioException(scenario.source(), machineLine("queue"), "machine.queue",
            "QEMU processes its invalidation queue itself; thread is a model setting (machine.backend qemu)");
      }
      if (m.shadowSyncOrDefault() == ShadowStrategy.NESTED) {
        throw new ScenarioException(scenario.source(), machineLine("shadow-sync"), "machine.shadow-sync", NESTED_ON_QEMU
            + " (machine.backend qemu)");
      }
      boolean cm = m.cachingMode() != null ? m.cachingMode()
          : VtdConfig.preset(m.presetOrDefault(), awBits).cap().cm();
      List<QemuDevice> devices = new ArrayList<>();
      for (DeviceSpec d : scenario.devices()) {
        SourceId sid = SourceId.parse(d.bdf());
        devices.add(new QemuDevice(d.id(), sid.bus(), sid.device(), sid.function(), d.assigned()));
      }
      boolean firstStage = m.fltsOrPreset();
      try {
        new QemuMachineOptions(awBits, cm, m.scalableModeOrPreset(), firstStage, ram, devices, null, null);
      } catch (IllegalArgumentException e) {
        String msg = e.getMessage();
        int colon = msg.indexOf(": ");
        String key = colon > 0 ? msg.substring(0, colon).replaceAll("\\[\\d+]", "") : "machine.backend";
        String problem = colon > 0 ? msg.substring(colon + 2) : msg;
        if (key.equals("machine.caching-mode") && m.cachingMode() == null) {
          key = "machine.preset"; // caching mode off comes from the preset (bare-metal)
          problem = "preset " + m.presetOrDefault() + " has CAP.CM=0; " + problem;
        }
        if (key.equals("machine.aw-bits") && firstStage && m.flts() == null) {
          problem += "; first-stage translation comes from machine.preset " + m.presetOrDefault();
        }
        java.util.regex.Matcher dev = java.util.regex.Pattern.compile("^devices\\[(\\d+)]\\.(.+)$")
            .matcher(colon > 0 ? msg.substring(0, colon) : "");
        int line = key.startsWith("machine.") ? machineLine(key.substring("machine.".length()))
            : dev.matches() ? deviceLine(Integer.parseInt(dev.group(1)), dev.group(2)) : 0;
        throw new ScenarioException(scenario.source(), line, key, problem + " (machine.backend qemu)");
      }
    }

    private Step shutdown;

    private void steps(List<Step> steps, boolean inRepeat) {
      for (Step step : steps) {
        if (step instanceof Step.Shutdown) {
          if (inRepeat) throw error(step, "shutdown", "a shutdown cannot be repeated: put it after the repeat");
          if (shutdown != null) throw error(step, "shutdown", "the guest is already shut down (line " + shutdown.line() + ")");
          shutdown = step;
        } else if (shutdown != null && !(step instanceof Step.Dma) && !(step instanceof Step.Advance)
            && !(step instanceof Step.Repeat)) {
          throw error(step, kindOf(step), "the guest was shut down at line " + shutdown.line()
              + ": only dma and advance steps may follow");
        }
        if (step instanceof Step.Repeat r) {
          steps(r.steps(), true);
        } else if (step instanceof Step.MapRange m) {
          positive(m, "map.size", m.size());
          iovaRange(m, "map.iova", m.iova(), m.size());
          gpaRange(m, "map.gpa", m.gpa(), m.size());
        } else if (step instanceof Step.UnmapRange u) {
          positive(u, "unmap.size", u.size());
          iovaRange(u, "unmap.iova", u.iova(), u.size());
        } else if (step instanceof Step.DmaMap d) {
          positive(d, "dma-map.size", d.size());
          gpaRange(d, "dma-map.gpa", d.gpa(), d.size());
        } else if (step instanceof Step.DmaMapSg sg) {
          scatterList(sg);
        }
      }
    }

    /**
     * Each segment in usable guest RAM, and what dma_map_sg maps beyond it: from 5.11 the padding to a
     * segment boundary is mapped from the segment's pages on (dma-iommu.c), so it must be RAM too; and
     * the list's IOVA size within the address width.
     */
    private void scatterList(Step.DmaMapSg sg) {
      List<SgEntry> entries = new ArrayList<>();
      for (Step.SgSegment seg : sg.segments()) {
        if (seg.size() <= 0) throw error(seg.line(), "dma-map-sg.segments.size", "must be greater than 0, got " + seg.size());
        gpaRange(seg.line(), "dma-map-sg.segments.gpa", seg.gpa(), seg.size(), "");
        entries.add(new SgEntry(seg.gpa(), seg.size()));
      }
      DriverPreset preset = DriverPreset.parse(scenario.driver().presetOrDefault());
      SgLayout layout;
      try {
        layout = SgLayout.of(entries, preset.dmaIommu(), ScenarioRunner.limits(sg));
      } catch (ArithmeticException e) {
        throw error(sg, "dma-map-sg.segments", "the list's IOVA size overflows 64 bits");
      }
      for (int i = 0; i < entries.size(); i++) {
        Step.SgSegment seg = sg.segments().get(i);
        long from = seg.gpa() & ~Page.OFFSET_MASK;
        long pagesEnd = (seg.gpa() + seg.size() + Page.OFFSET_MASK) & ~Page.OFFSET_MASK;
        if (from + layout.mappedBytes(i) > pagesEnd) {
          gpaRange(seg.line(), "dma-map-sg.segments.gpa", from, layout.mappedBytes(i), String.format(" (%s maps %s"
              + " from this segment's first page: its pages and the padding to the next segment boundary, as"
              + " dma-iommu.c does)", preset.label(), Units.formatSize(layout.mappedBytes(i))));
        }
      }
      long limit = 1L << awBits;
      if (layout.bytes() > limit) {
        throw error(sg, "dma-map-sg.segments", String.format("the list needs %s of IOVA space; the %d-bit address"
            + " width (machine.aw-bits %d) has %s", Units.formatSize(layout.bytes()), awBits, awBits, Units.formatSize(limit)));
      }
    }

    /** The step kind as scenario files spell it (the first word of its description). */
    private static String kindOf(Step step) {
      String d = step.describe();
      int sp = d.indexOf(' ');
      return sp < 0 ? d : d.substring(0, sp);
    }

    private void positive(Step step, String key, long size) {
      if (size <= 0) throw error(step, key, "must be greater than 0, got " + size);
    }

    private void iovaRange(Step step, String key, long iova, long size) {
      long limit = 1L << awBits;
      if (iova < 0 || iova >= limit || size > limit - iova) {
        throw error(step, key, String.format("IOVA range [%s, +%s) reaches beyond the %d-bit address width "
            + "(machine.aw-bits %d): IOVAs must stay below %s", Units.hex(iova), Units.formatSize(size), awBits,
            awBits, Units.hex(limit)));
      }
    }

    private void gpaRange(Step step, String key, long gpa, long size) {
      gpaRange(step.line(), key, gpa, size, "");
    }

    private void gpaRange(int line, String key, long gpa, long size, String why) {
      if (!memory.isRam(gpa, size)) {
        throw error(line, key, String.format("GPA range [%s, +%s) is not guest RAM: with machine.ram %s the q35"
            + " layout has RAM at %s%s", Units.hex(gpa), Units.formatSize(size), Units.formatSize(ram), regions(), why));
      }
      if (gpa < pool.end() && pool.base() < gpa + size) {
        throw error(line, key, String.format("GPA range [%s, +%s) overlaps the driver's table pool [%s, %s) at the"
            + " top of low RAM; use guest RAM below %s%s%s", Units.hex(gpa), Units.formatSize(size),
            Units.hex(pool.base()), Units.hex(pool.end()), Units.hex(pool.base()),
            memory.regions().size() > 1 ? " or from " + Units.hex(memory.regions().get(1).base()) : "", why));
      }
    }

    private String regions() {
      return memory.regions().stream().map(r -> "[" + Units.hex(r.base()) + ", " + Units.hex(r.end()) + ")")
          .collect(Collectors.joining(" and "));
    }

    private ScenarioException error(Step step, String key, String problem) {
      return error(step.line(), key, problem);
    }

    private ScenarioException error(int line, String key, String problem) {
      return new ScenarioException(scenario.source(), line, key, problem);
    }

    /** The line of key {@code key} of the {@code index}th device in the YAML text, or 0. */
    private int deviceLine(int index, String key) {
      if (yaml == null) return 0;
      Node root = YamlTree.parse(yaml, scenario.source());
      if (root instanceof MapNode top && top.entries().get("devices") instanceof YamlTree.ListNode l
          && index < l.items().size() && l.items().get(index) instanceof MapNode d) {
        Integer line = d.keyLines().get(key);
        return line != null ? line : d.line();
      }
      return 0;
    }

    /** The line of {@code machine.KEY} in the YAML text, or 0. */
    private int machineLine(String key) {
      if (yaml == null) return 0;
      Node root = YamlTree.parse(yaml, scenario.source());
      if (root instanceof MapNode top && top.entries().get("machine") instanceof MapNode machine) {
        Integer line = machine.keyLines().get(key);
        if (line != null) return line;
        return machine.line();
      }
      return 0;
    }
  }
}
