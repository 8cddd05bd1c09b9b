package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A misbehaving guest, fuzzed with fixed seeds: a small machine (256 KiB of RAM, so the walk budgets
 * are 32768 entries and 64 mappings) whose second-level tables are rewritten with loops, aliases and
 * garbage, while DSI, PSI, global and context invalidations go through the real VtdUnit queue to an
 * attached caching-mode shadow. Every walk must end within the documented entry budget, and nothing
 * may throw.
 */
class ShadowWalkFuzzTest {
  static final long RAM = 256L << 10;
  static final long POOL = 0x1000;
  static final long QUEUE = 0x3_0000;
  static final long STATUS = 0x3_F000;
  static final int TABLES = 6;
  static final int DID = 1;
  static final SourceId DEV = new SourceId(0, 3, 0);
  static final long[] SEEDS = {1, 42, 20250903};
  static final int ROUNDS = 12;

  static List<Arguments> machines() {
    List<Arguments> out = new ArrayList<>();
    for (String strategy : ShadowSync.NAMES) {
      for (int aw : new int[] {39, 48}) out.add(Arguments.of(strategy, aw));
    }
    return out;
  }

  /** One guest: the unit behind an MMIO bus, a shadow with one assigned device, and a queue. */
  static final class Guest {
    final GuestMemory memory = GuestMemory.flat(RAM);
    final EventLog log = new EventLog(new Clock()).retaining(0);
    final List<Event> walks = new ArrayList<>();
    final VtdConfig config;
    final VtdUnit unit;
    final MmioBus bus = new MmioBus(log);
    final CachingModeShadow shadow;
    final HostContainer host;
    final TableBuilder tables = new TableBuilder(memory, POOL);
    final long[] tablePages = new long[TABLES];
    final int agaw;
    int tail;

    Guest(String strategy, int aw) {
      config = VtdConfig.preset("qemu-7.2", aw);
      log.subscribe(e -> {
        if (e.kind().equals(CachingModeShadow.WALK)) walks.add(e);
      });
      unit = new VtdUnit(config, memory, log, MsiSink.NONE);
      bus.map(config.mmioBase(), unit);
      shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named(strategy));
      host = new HostContainer("nic", HostSemantics.VFIO_TYPE1, memory, log);
      shadow.attach(DEV, host);
      agaw = aw == 39 ? 1 : 2;
      for (int i = 0; i < TABLES; i++) tablePages[i] = tables.allocPage();
      context(tablePages[0]);
      bus.write64(config.mmioBase() + Registers.RTADDR, tables.rootTable());
      command(GlobalCommand.SRTP);
      bus.write64(config.mmioBase() + Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, false, 0));
      bus.write64(config.mmioBase() + Registers.IQT, 0);
      command(GlobalCommand.QIE);
      command(GlobalCommand.TE);
    }

    void context(long slptptr) {
      tables.context(DEV.sid(), new ContextEntry(true, false, TranslationType.MULTI_LEVEL, slptptr, agaw, DID));
    }

    /** As Linux: the current status bits plus the command. */
    void command(int bit) {
      int status = bus.read32(config.mmioBase() + Registers.GSTS) & (GlobalCommand.TE | GlobalCommand.QIE);
      bus.write32(config.mmioBase() + Registers.GCMD, status | bit);
    }

    void submit(List<InvalidationDescriptor> descriptors) {
      for (InvalidationDescriptor d : descriptors) {
        memory.write64(QUEUE + tail * 16L, d.lo());
        memory.write64(QUEUE + tail * 16L + 8, d.hi());
        tail = (tail + 1) % 256;
      }
      bus.write64(config.mmioBase() + Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, false));
    }

    int fsts() {
      return bus.read32(config.mmioBase() + Registers.FSTS);
    }
  }

  /** A random entry: mostly pointers at the table pages (loops and aliases), leaves, zero or garbage. */
  private static long entry(Random rnd, Guest g) {
    int kind = rnd.nextInt(10);
    long perm = rnd.nextInt(4); // R, W bits
    long flags = (rnd.nextInt(8) == 0 ? SecondLevelPte.PS : 0) | (rnd.nextInt(16) == 0 ? SecondLevelPte.SNP : 0);
    if (kind < 5) return g.tablePages[rnd.nextInt(TABLES)] | perm | flags;
    if (kind < 7) return (rnd.nextLong() & (RAM - 1) & ~0xFFFL) | perm | flags;
    if (kind < 8) return 0;
    return rnd.nextLong();
  }

  private static List<InvalidationDescriptor> invalidations(Random rnd, Guest g) {
    List<InvalidationDescriptor> out = new ArrayList<>();
    int n = 1 + rnd.nextInt(3);
    for (int i = 0; i < n; i++) {
      switch (rnd.nextInt(5)) {
        case 0 -> out.add(IotlbInvalidation.domain(DID, false, false));
        case 1 -> {
          int am = rnd.nextInt(g.config.cap().mamv() + 1);
          long addr = (rnd.nextLong() & ((1L << (g.config.hostAddressWidth() - 1)) - 1)) & -(4096L << am);
          out.add(IotlbInvalidation.page(DID, addr, am, false, false, false));
        }
        case 2 -> out.add(IotlbInvalidation.global(false, false));
        case 3 -> out.add(ContextCacheInvalidation.device(DID, DEV.sid(), 0));
        default -> out.add(ContextCacheInvalidation.global());
      }
    }
    out.add(InvalidationWait.statusWrite(InvalidationWait.QI_DONE, STATUS));
    return out;
  }

  @ParameterizedTest(name = "{0} aw {1}")
  @MethodSource("machines")
  void walksOfLoopingAliasedAndGarbageTablesStayWithinTheBudget(String strategy, int aw) {
    long aborted = 0;
    long walks = 0;
    for (long seed : SEEDS) {
      Random rnd = new Random(seed);
      Guest g = new Guest(strategy, aw);
      long budget = g.shadow.walkEntryBudget();
      assertThat(budget).isEqualTo(RAM / 4096 * 512);
      for (int round = 0; round < ROUNDS; round++) {
        int writes = 1 + rnd.nextInt(600);
        for (int w = 0; w < writes; w++) {
          long page = g.tablePages[rnd.nextInt(TABLES)];
          g.memory.write64(page + 8L * rnd.nextInt(SecondLevelPte.ENTRIES), entry(rnd, g));
        }
        if (rnd.nextInt(4) == 0) g.context(g.tablePages[rnd.nextInt(TABLES)]);
        g.memory.write32(STATUS, 0);
        g.submit(invalidations(rnd, g));
        assertThat(g.fsts() & FaultStatus.IQE).as("seed %d round %d", seed, round).isZero();
        assertThat(g.memory.read32(STATUS)).isEqualTo(InvalidationWait.QI_DONE);
      }
      for (Event e : g.walks) {
        walks++;
        assertThat(e.longAttr("entries")).as("seed %d: %s", seed, e).isLessThanOrEqualTo(budget);
        if (String.valueOf(e.attrs().get("reason")).startsWith("aborted: ")) aborted++;
      }
    }
    assertThat(walks).isPositive();
    if (!strategy.equals("psi-only")) assertThat(aborted).as("walks cut short by a budget").isPositive();
  }
}
