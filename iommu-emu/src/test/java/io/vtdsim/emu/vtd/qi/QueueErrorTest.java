package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InterruptEntryCacheInvalidation;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Invalidation queue errors (VT-d spec 6.5.2.10; QEMU's vtd_fetch_inv_desc and
 * vtd_inv_desc_reserved_check in hw/i386/intel_iommu.c): FSTS.IQE, IQH left on the offending descriptor, the
 * fault event, and processing resuming only on the next IQT write.
 */
class QueueErrorTest {
  static final long QUEUE = 0x10_0000;
  static final long STATUS = 0x8000;
  static final long OUTSIDE_RAM = 0x1_0000_0000L; // the test machine has 64 MiB

  static Stream<Arguments> badDescriptors() {
    long iec = new InterruptEntryCacheInvalidation(false, 0, 0).lo();
    return Stream.of(
        Arguments.of("type 0", 0L, 0L),
        Arguments.of("type 6 (256-bit only) in a 128-bit queue", 6L, 0L),
        Arguments.of("type 0x75 (bits 11:9 extend the type)", 0x5L | (0x7L << 9), 0L),
        Arguments.of("context-cache with hi set", ContextCacheInvalidation.global().lo(), 1L),
        Arguments.of("context-cache granularity 0", 1L, 0L),
        Arguments.of("IOTLB lo reserved bit 8", IotlbInvalidation.global(false, false).lo() | (1L << 8), 0L),
        Arguments.of("IOTLB hi reserved bit 7", IotlbInvalidation.page(1, 0, 0, false, false, false).lo(), 1L << 7),
        Arguments.of("IOTLB PSI AM 19 > MAMV 18",
            IotlbInvalidation.page(1, 0, 19, false, false, false).lo(),
            IotlbInvalidation.page(1, 0, 19, false, false, false).hi()),
        Arguments.of("IEC hi set", iec, 1L),
        Arguments.of("wait without SW, IF or FN", 5L, STATUS),
        Arguments.of("wait PD without ECAP.PDS", InvalidationWait.statusWrite(2, STATUS).lo() | (1L << 7), STATUS),
        Arguments.of("wait status address outside RAM", InvalidationWait.statusWrite(2, 0).lo(), OUTSIDE_RAM));
  }

  private static VtdTestBed bedWithUnmaskedFaultEvent() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w32(Registers.FEDATA, 0x33);
    bed.w32(Registers.FEADDR, 0xFEE0_0000);
    bed.w32(Registers.FECTL, 0);
    bed.enableQueue(QUEUE, 0);
    return bed;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDescriptors")
  void aBadDescriptorStopsTheQueueOnItUntilTheNextTailWrite(String name, long lo, long hi) {
    VtdTestBed bed = bedWithUnmaskedFaultEvent();
    bed.putRaw(ContextCacheInvalidation.global().lo(), 0);
    bed.putRaw(lo, hi);
    bed.putRaw(InvalidationWait.statusWrite(2, STATUS).lo(), STATUS);
    bed.writeTail();

    assertThat(bed.fsts() & FaultStatus.IQE).isEqualTo(FaultStatus.IQE);
    assertThat(bed.head()).isEqualTo(1); // on the offending descriptor
    assertThat(bed.memory.read32(STATUS)).isZero();
    assertThat(bed.observer.invalidations).containsExactly(ContextCacheInvalidation.global());
    assertThat(bed.msis).containsExactly(new VtdTestBed.Msi(0xFEE0_0000L, 0x33));
    assertThat(bed.events(InvalidationQueue.EV_IQE)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("index", 1).containsKey("reason"));

    // software repairs the descriptor; clearing IQE alone does not restart the queue (as QEMU)
    bed.writeDescriptor(1, new InterruptEntryCacheInvalidation(false, 0, 0).lo(), 0);
    bed.w32(Registers.FSTS, FaultStatus.IQE);
    assertThat(bed.fsts()).isZero();
    assertThat(bed.head()).isEqualTo(1);
    bed.writeTail();
    assertThat(bed.head()).isEqualTo(3);
    assertThat(bed.memory.read32(STATUS)).isEqualTo(2);
    assertThat(bed.observer.invalidations).hasSize(1); // index 0 did not run twice
  }

  @Test
  void tailWritesAreIgnoredWhileIqeIsSet() {
    VtdTestBed bed = bedWithUnmaskedFaultEvent();
    bed.putRaw(0, 0);
    bed.writeTail();
    bed.writeDescriptor(0, InvalidationWait.statusWrite(2, STATUS).lo(), STATUS);
    bed.writeTail();
    assertThat(bed.memory.read32(STATUS)).isZero();
    assertThat(bed.events(InvalidationQueue.EV_IQE)).hasSize(1);
    assertThat(bed.msis).hasSize(1);
  }

  @Test
  void aTailBeyondTheQueueSizeIsAnError() {
    VtdTestBed bed = bedWithUnmaskedFaultEvent(); // QS 0: 256 descriptors
    bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(300, false));
    assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE);
    assertThat(bed.head()).isZero();
    assertThat(bed.events(InvalidationQueue.EV_IQE).get(0).attrs()).containsEntry("index", 0);
    assertThat(bed.events(InvalidationQueue.EV_DESCRIPTOR)).isEmpty();

    bed.w32(Registers.FSTS, FaultStatus.IQE);
    bed.putRaw(InvalidationWait.statusWrite(2, STATUS).lo(), STATUS);
    bed.writeTail();
    assertThat(bed.memory.read32(STATUS)).isEqualTo(2);
  }

  @Test
  void aQueueOutsideRamFailsToFetch() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.enableQueue(OUTSIDE_RAM, 0);
    bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(1, false));
    assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE);
    assertThat(bed.head()).isZero();
    assertThat(bed.events(InvalidationQueue.EV_IQE).get(0).attrs().get("reason").toString()).contains("outside RAM");
  }

  @Test
  void aQueueRunningOffTheEndOfRamStopsAtTheFirstUnreadableDescriptor() {
    VtdTestBed bed = VtdTestBed.qemu72();
    long base = VtdTestBed.RAM - 0x1000; // QS 1: two pages, the second outside RAM
    bed.w64(Registers.IQA, InvalidationQueueRegisters.iqa(base, false, 1));
    bed.command(io.vtdsim.emu.spec.GlobalCommand.QIE, true);
    long iec = new InterruptEntryCacheInvalidation(false, 0, 0).lo();
    for (int i = 0; i < 256; i++) bed.memory.write64(base + i * 16L, iec);
    bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(300, false));
    assertThat(bed.head()).isEqualTo(256);
    assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE);
  }

  // ---- 256-bit descriptors (only with ECAP.SMTS, as QEMU's vtd_update_iq_dw) ----

  static VtdTestBed wideQueue() {
    ExtendedCapability smts = new ExtendedCapability(false, true, false, false, false, true, false, 0xF, 0, false, true);
    VtdTestBed bed = new VtdTestBed(VtdConfig.qemu72().withEcap(smts));
    bed.w64(Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, true, 0));
    bed.command(io.vtdsim.emu.spec.GlobalCommand.QIE, true);
    return bed;
  }

  @Test
  void wideQueueExecutesLegacyDescriptorsWithZeroUpperWords() {
    VtdTestBed bed = wideQueue();
    assertThat(bed.r64(Registers.IQA)).isEqualTo(QUEUE | InvalidationQueueRegisters.IQA_DW);
    InvalidationWait wait = InvalidationWait.statusWrite(2, STATUS);
    bed.memory.write64(QUEUE, wait.lo());
    bed.memory.write64(QUEUE + 8, wait.hi());
    bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(1, true));
    assertThat(bed.memory.read32(STATUS)).isEqualTo(2);
    assertThat(bed.r64(Registers.IQH)).isEqualTo(0x20);
  }

  @Test
  void wideQueueRejectsIqtBitFour() {
    VtdTestBed bed = wideQueue();
    bed.w64(Registers.IQT, 0x30); // index 1 plus bit 4
    assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE);
    assertThat(bed.r64(Registers.IQH)).isZero();
    assertThat(bed.events(InvalidationQueue.EV_DESCRIPTOR)).isEmpty();
  }

  @Test
  void wideQueueRejectsLegacyDescriptorsWithNonZeroUpperWords() {
    VtdTestBed bed = wideQueue();
    bed.memory.write64(QUEUE, ContextCacheInvalidation.global().lo());
    bed.memory.write64(QUEUE + 24, 1);
    bed.w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(1, true));
    assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE);
    assertThat(bed.r64(Registers.IQH)).isZero();
    assertThat(bed.observer.invalidations).isEmpty();
  }
}
