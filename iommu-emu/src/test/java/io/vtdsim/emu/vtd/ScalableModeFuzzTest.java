package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A misbehaving scalable-mode guest, fuzzed with fixed seeds: on a 256 KiB machine, valid scalable
 * tables (context, PASID directory and table, first-stage tables) are corrupted word by word — loops,
 * pointers outside RAM, reserved bits, random PGTT/FSPM — while random PASID-based, PASID-cache,
 * context and IOTLB descriptors (valid and malformed) go through the 256-bit queue and devices
 * translate random addresses. Nothing may throw, every answer is a translation or a fault, and the
 * caches stay within their capacities.
 */
class ScalableModeFuzzTest {
  private static final long RAM = 256L << 10;
  private static final long POOL = 0x1000;
  private static final long QUEUE = 0x3_0000;
  private static final int CAPACITY = 8;

  @ParameterizedTest
  @ValueSource(longs = {1, 42, 20261201})
  void garbageTablesAndDescriptorsNeverThrow(long seed) {
    Random rnd = new Random(seed);
    java.util.Set<Object> outcomes = new java.util.HashSet<>();
    for (String preset : new String[] {"qemu-11.1-sm", "qemu-11.1-sm-fsts"}) {
      VtdConfig config = VtdConfig.preset(preset, 48).withIotlbCapacity(CAPACITY);
      GuestMemory mem = GuestMemory.flat(RAM);
      EventLog log = new EventLog(new Clock()).retaining(0);
      MmioBus bus = new MmioBus(log);
      try (VtdUnit unit = new VtdUnit(config, mem, log, (address, data) -> {})) {
        bus.map(config.mmioBase(), unit);
        ScalableTableBuilder tables = new ScalableTableBuilder(mem, POOL);
        int[] sids = {0x0018, 0x0020, 0x0090};
        for (int sid : sids) {
          long dir = tables.pasidContext(sid, 0, 0);
          long fs = tables.firstStageRoot();
          tables.pasidEntry(dir, 0, rnd.nextBoolean()
              ? PasidTableEntry.firstStage(rnd.nextInt(4), fs, false, 2)
              : PasidTableEntry.secondStage(rnd.nextInt(4), fs, 2));
          for (int i = 0; i < 4; i++) {
            tables.mapFirstStage(fs, 4, (long) i << 21, POOL, 4096, rnd.nextBoolean());
          }
        }
        long base = config.mmioBase();
        bus.write64(base + Registers.RTADDR, tables.rootTable() | 0x400);
        bus.write32(base + Registers.GCMD, GlobalCommand.SRTP);
        bus.write64(base + Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, true, 0));
        bus.write64(base + Registers.IQT, 0);
        bus.write32(base + Registers.GCMD, GlobalCommand.QIE);
        bus.write32(base + Registers.GCMD, GlobalCommand.QIE | GlobalCommand.TE);
        int tail = 0;
        for (int round = 0; round < 400; round++) {
          switch (rnd.nextInt(4)) {
            case 0 -> {
              // corrupt one word of the table pool (tables live in [POOL, POOL + 64 KiB))
              long a = POOL + 8L * rnd.nextInt(8192);
              long v = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextLong();
                case 1 -> (POOL + 4096L * rnd.nextInt(16)) | rnd.nextInt(0x1000); // a table page, any flags
                case 2 -> (1L << 40) | 0x27; // beyond RAM
                default -> 0;
              };
              mem.write64(a, v);
            }
            case 1 -> {
              long a = QUEUE + tail * 32L;
              int type = new int[] {1, 2, 6, 7, 8, 5}[rnd.nextInt(6)];
              long q0 = type | (rnd.nextLong() & ~0xE0FL & (rnd.nextBoolean() ? 0x000F_FFFF_FFFF_0030L : -1L));
              mem.write64(a, q0);
              mem.write64(a + 8, rnd.nextBoolean() ? rnd.nextLong() & ~0xFFFL : rnd.nextLong());
              mem.write64(a + 16, rnd.nextInt(8) == 0 ? 1 : 0);
              mem.write64(a + 24, 0);
              tail = (tail + 1) % 128;
              bus.write64(base + Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, true));
              // clear a queue error so that the queue keeps running (the next IQT write resumes it)
              bus.write32(base + Registers.FSTS, FaultStatus.IQE | FaultStatus.PFO);
            }
            default -> {
              // mostly inside the four mapped pages, sometimes anywhere
              long iova = rnd.nextInt(4) != 0 ? (long) rnd.nextInt(4) << 21 | rnd.nextInt(4096) : rnd.nextLong();
              TranslationResult r = unit.translate(sids[rnd.nextInt(sids.length)], iova, rnd.nextBoolean());
              assertThat(r.ok() || r.fault() != null).isTrue();
              outcomes.add(r.ok() ? "ok" : r.fault());
            }
          }
          ScalableTranslator s = unit.scalableTranslator();
          assertThat(s.firstStageIotlbSize()).isLessThanOrEqualTo(CAPACITY);
          assertThat(s.pasidCacheSize()).isLessThanOrEqualTo(config.contextCacheCapacity());
        }
      }
    }
    // not vacuous: translations succeeded and several kinds of fault came up
    assertThat(outcomes).as("outcomes %s", outcomes).contains("ok");
    assertThat(outcomes.size()).isGreaterThanOrEqualTo(4);
  }
}
