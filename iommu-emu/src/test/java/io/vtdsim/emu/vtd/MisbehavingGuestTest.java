package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.Registers;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A guest writing garbage everywhere — registers, queue contents, queue pointers outside RAM,
 * wrapping tails — gets hardware answers (IQE, fault records), never an exception or a hang
 * (ARCHITECTURE.md principle 2). Seeded, so every run is the same.
 */
class MisbehavingGuestTest {
  private static final int[] INTERESTING = {
    Registers.GCMD, Registers.RTADDR, Registers.CCMD, Registers.CCMD + 4, Registers.FSTS, Registers.FECTL,
    Registers.IQT, Registers.IQA, Registers.ICS, Registers.IECTL, 0xF0, 0xF8, 0xFC, 0x228, 0x22C
  };

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42})
  void randomRegisterAndQueueGarbageNeverThrows(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    VtdTestBed bed = VtdTestBed.qemu72();
    long queue = 0x10_0000;
    bed.w64(Registers.IQA, InvalidationQueueRegisters.iqa(queue, false, 0));
    bed.command(GlobalCommand.QIE, true);
    int window = bed.unit.windowSize();
    for (int step = 0; step < 5_000; step++) {
      switch (rnd.nextInt(6)) {
        case 0 -> { // garbage descriptor words in the queue, half of them with a plausible type
          int index = rnd.nextInt(256);
          long lo = rnd.nextBoolean() ? rnd.nextLong() : (rnd.nextLong() & ~0xFFFL) | rnd.nextInt(8);
          bed.memory.write64(queue + index * 16L, lo);
          bed.memory.write64(queue + index * 16L + 8, rnd.nextBoolean() ? 0 : rnd.nextLong());
        }
        case 1 -> bed.w64(Registers.IQT, rnd.nextLong()); // any tail, including ≥ size
        case 2 -> bed.w32(Registers.FSTS, -1); // clear IQE / PFO
        case 3 -> {
          int off = INTERESTING[rnd.nextInt(INTERESTING.length)];
          if (rnd.nextBoolean() && off % 8 == 0) bed.w64(off, rnd.nextLong()); else bed.w32(off, rnd.nextInt());
        }
        case 4 -> {
          int off = rnd.nextInt(window / 4) * 4;
          bed.unit.write(off, rnd.nextBoolean() ? 8 : 4, rnd.nextLong());
          bed.unit.read(off, rnd.nextBoolean() ? 8 : 4);
        }
        default -> bed.unit.recordFault(rnd.nextInt(0x10000), rnd.nextLong(), FaultReason.READ_DENIED, rnd.nextBoolean());
      }
    }
    assertThat(bed.r32(Registers.VER)).isEqualTo(0x10);
    assertThat(bed.r64(Registers.CAP)).isEqualTo(bed.config.cap().encode());
    assertThat(bed.unit.read(Registers.IQH, 8) >>> 4).isLessThan(32768);
    // the garbage did reach the hardware paths
    assertThat(bed.events(io.vtdsim.emu.vtd.qi.InvalidationQueue.EV_IQE)).isNotEmpty();
    assertThat(bed.events(FaultRecorder.EV_FAULT)).isNotEmpty();
  }
}
