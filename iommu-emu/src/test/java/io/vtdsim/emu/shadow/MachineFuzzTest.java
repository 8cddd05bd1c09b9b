package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.shadow.ShadowWalkFuzzTest.Guest;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzz targets (Jazzer) for the machine a hostile guest faces: the MMIO register
 * file, the invalidation queue and the guest tables under the caching-mode shadow walk, each on the
 * small machine of {@link ShadowWalkFuzzTest} (256 KiB of RAM, a qemu-7.2 unit with CM=1 behind an
 * MMIO bus, one assigned device whose host container the shadow keeps in step). The guest can do
 * anything a guest can — MMIO accesses of 4 and 8 bytes in the register window, any bytes in its RAM
 * — and the machine must answer as hardware does (faults, IQE, aborted walks), so for every input:
 * nothing throws, every shadow walk stays within its entry budget (bounded work), and every host
 * mapping targets guest RAM. Memory is bounded by the machine (RAM 256 KiB, no events retained) and
 * the input (at most {@link #MAX_OPS} operations).
 *
 * <p>Every {@code mvn verify} replays the committed inputs in {@code MachineFuzzTestInputs/<method>/};
 * {@code -Pfuzz} fuzzes (see the README, "Fuzzing").
 */
class MachineFuzzTest {
  static final int MAX_OPS = 256;
  static final int[] AW = {39, 48};

  private static Guest guest(FuzzedDataProvider data) {
    return new Guest(data.pickValue(ShadowSync.NAMES), data.pickValue(AW));
  }

  /** Any sequence of 32- and 64-bit MMIO reads and writes at 4-byte aligned offsets of the window. */
  @FuzzTest(maxDuration = "10m")
  void mmioRegisterFile(FuzzedDataProvider data) {
    Guest g = guest(data);
    for (int op = 0; op < MAX_OPS && data.remainingBytes() > 0; op++) {
      long at = g.config.mmioBase() + 4L * data.consumeInt(0, Registers.WINDOW_SIZE / 4 - 1);
      boolean wide = data.consumeBoolean() && at + 8 <= g.config.mmioBase() + Registers.WINDOW_SIZE;
      if (data.consumeBoolean()) {
        if (wide) g.bus.read64(at);
        else g.bus.read32(at);
      } else if (wide) {
        g.bus.write64(at, data.consumeLong());
      } else {
        g.bus.write32(at, data.consumeInt());
      }
      if (data.consumeInt(0, 15) == 0) scribble(g, data);
    }
    assertSane(g);
  }

  /** Descriptor streams: well-formed descriptors with random fields, raw garbage, any IQT, FSTS clears. */
  @FuzzTest(maxDuration = "10m")
  void invalidationQueue(FuzzedDataProvider data) {
    Guest g = guest(data);
    for (int op = 0; op < MAX_OPS && data.remainingBytes() > 0; op++) {
      switch (data.consumeInt(0, 5)) {
        case 0 -> g.submit(descriptors(g, data));
        case 1 -> {
          g.memory.write64(ShadowWalkFuzzTest.QUEUE + 16L * data.consumeInt(0, 255), data.consumeLong());
          g.memory.write64(ShadowWalkFuzzTest.QUEUE + 16L * data.consumeInt(0, 255) + 8, data.consumeLong());
        }
        case 2 -> g.bus.write64(g.config.mmioBase() + Registers.IQT, data.consumeLong());
        case 3 -> g.bus.write32(g.config.mmioBase() + Registers.FSTS, data.consumeInt()); // W1C
        case 4 -> g.bus.write64(g.config.mmioBase() + Registers.IQA, data.consumeBoolean()
            ? InvalidationQueueRegisters.iqa(ShadowWalkFuzzTest.QUEUE, false, 0) : data.consumeLong());
        default -> scribble(g, data);
      }
      long iqh = g.bus.read64(g.config.mmioBase() + Registers.IQH);
      long iqa = g.bus.read64(g.config.mmioBase() + Registers.IQA);
      assertThat(InvalidationQueueRegisters.registerToIndex(iqh, InvalidationQueueRegisters.is256(iqa)))
          .as("IQH stays inside the queue").isLessThan(InvalidationQueueRegisters.entries(iqa));
    }
    assertSane(g);
  }

  /** Guest tables rewritten with any entries (loops, aliases, superpages, garbage) between invalidations. */
  @FuzzTest(maxDuration = "10m")
  void guestTablesUnderTheShadowWalk(FuzzedDataProvider data) {
    Guest g = guest(data);
    for (int op = 0; op < MAX_OPS && data.remainingBytes() > 0; op++) {
      if (data.consumeBoolean()) {
        scribble(g, data);
      } else if (data.consumeInt(0, 7) == 0) {
        g.context(data.consumeBoolean() ? g.tablePages[data.consumeInt(0, ShadowWalkFuzzTest.TABLES - 1)]
            : data.consumeLong() & ((1L << 39) - 1) & ~0xFFFL);
      } else {
        g.submit(descriptors(g, data));
      }
    }
    assertSane(g);
  }

  /**
   * One table entry: a pointer at a table page, a RAM page, a page anywhere below 2^39 (nearly always
   * outside the 256 KiB of RAM), zero or any 64 bits; any R/W/PS/SNP bits.
   */
  private static void scribble(Guest g, FuzzedDataProvider data) {
    long table = g.tablePages[data.consumeInt(0, ShadowWalkFuzzTest.TABLES - 1)];
    long slot = table + 8L * data.consumeInt(0, SecondLevelPte.ENTRIES - 1);
    long flags = data.consumeLong() & (SecondLevelPte.R | SecondLevelPte.W | SecondLevelPte.PS | SecondLevelPte.SNP);
    long entry = switch (data.consumeInt(0, 4)) {
      case 0 -> g.tablePages[data.consumeInt(0, ShadowWalkFuzzTest.TABLES - 1)] | flags;
      case 1 -> (data.consumeLong() & (ShadowWalkFuzzTest.RAM - 1) & ~0xFFFL) | flags;
      case 2 -> (data.consumeLong() & ((1L << 39) - 1) & ~0xFFFL) | flags;
      case 3 -> 0;
      default -> data.consumeLong();
    };
    g.memory.write64(slot, entry);
  }

  /** One to four invalidations of any granularity and fields, then a wait descriptor. */
  private static List<InvalidationDescriptor> descriptors(Guest g, FuzzedDataProvider data) {
    List<InvalidationDescriptor> out = new ArrayList<>();
    int n = data.consumeInt(1, 4);
    for (int i = 0; i < n; i++) {
      int did = data.consumeBoolean() ? ShadowWalkFuzzTest.DID : data.consumeInt(0, 0xFFFF);
      switch (data.consumeInt(0, 5)) {
        case 0 -> out.add(IotlbInvalidation.domain(did, data.consumeBoolean(), data.consumeBoolean()));
        case 1 -> {
          int am = data.consumeInt(0, g.config.cap().mamv());
          long addr = data.consumeLong() & ((1L << g.config.hostAddressWidth()) - 1) & -(4096L << am);
          out.add(IotlbInvalidation.page(did, addr, am, data.consumeBoolean(), data.consumeBoolean(),
              data.consumeBoolean()));
        }
        case 2 -> out.add(IotlbInvalidation.global(data.consumeBoolean(), data.consumeBoolean()));
        case 3 -> out.add(ContextCacheInvalidation.device(did, ShadowWalkFuzzTest.DEV.sid(), data.consumeInt(0, 3)));
        case 4 -> out.add(ContextCacheInvalidation.global());
        default -> out.add(InvalidationDescriptor.decode(data.consumeLong(), data.consumeLong(), false));
      }
    }
    out.add(InvalidationWait.statusWrite(InvalidationWait.QI_DONE, ShadowWalkFuzzTest.STATUS));
    return out;
  }

  private static void assertSane(Guest g) {
    long budget = g.shadow.walkEntryBudget();
    for (Event e : g.walks) assertThat(e.longAttr("entries")).as("%s", e).isLessThanOrEqualTo(budget);
    for (HostMapping m : g.host.mappings()) {
      assertThat(g.memory.isRam(m.gpa(), m.size())).as("host mapping %s targets guest RAM", m).isTrue();
    }
  }
}
