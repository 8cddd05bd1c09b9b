package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.Fidelity;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import io.vtdsim.emu.vtd.VtdUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Descriptor-level facts per preset and {@code machine.fidelity}, each a queue of the descriptor
 * under test followed by a SW wait writing 1 to {@link #STATUS} (legacy 128-bit queue, QS 0), as
 * measured on QEMU 11.1.3 over qtest; QEMU 7.2 values are the ones measured on 7.2 with the same
 * sequences. Strict is the specification (IQE for reserved bits and unknown types).
 */
class QemuFidelityQueueTest {
  static final long QUEUE = 0x10_0000;
  static final long STATUS = 0x10_1000;
  static final InvalidationWait DONE = InvalidationWait.statusWrite(1, STATUS);

  private static VtdTestBed bed(String preset, String fidelity) {
    VtdTestBed bed = new VtdTestBed(VtdConfig.preset(preset, 48, Fidelity.of(fidelity)));
    bed.enableQueue(QUEUE, 0);
    return bed;
  }

  /** Submits (lo, hi) and the status wait; true when both executed (head 2, status 1, no IQE). */
  private static boolean executes(VtdTestBed bed, long lo, long hi) {
    bed.putRaw(lo, hi);
    bed.putRaw(DONE.lo(), DONE.hi());
    bed.writeTail();
    boolean iqe = (bed.fsts() & FaultStatus.IQE) != 0;
    if (iqe) {
      // measured on 11.1.3 for the rejected cases: IQH 0 (on the bad descriptor), FSTS 0x10
      assertThat(bed.head()).isZero();
      assertThat(bed.fsts()).isEqualTo(FaultStatus.IQE);
      assertThat(bed.memory.read32(STATUS)).isZero();
      return false;
    }
    assertThat(bed.head()).isEqualTo(2);
    assertThat(bed.memory.read32(STATUS)).isEqualTo(1);
    return true;
  }

  @ParameterizedTest(name = "{0} {1}: IEC with hi=1 executes: {2}")
  @CsvSource({"qemu-7.2, strict, false", "qemu-11.1, strict, false", "qemu-7.2, qemu, true", "qemu-11.1, qemu, false"})
  void interruptEntryCacheDescriptorWithUpperBitsSet(String preset, String fidelity, boolean executes) {
    try (VtdTestBed bed = bed(preset, fidelity)) {
      assertThat(executes(bed, 0x4, 0x1)).isEqualTo(executes);
    }
  }

  @ParameterizedTest(name = "{0} {1}: type {2} in a legacy queue executes: {3}")
  @CsvSource({
    "qemu-7.2, strict, 6, false", "qemu-7.2, strict, 7, false",
    "qemu-11.1, strict, 6, false", "qemu-11.1, strict, 7, false",
    "qemu-7.2, qemu, 6, true", "qemu-7.2, qemu, 7, true",
    "qemu-11.1, qemu, 6, false", "qemu-11.1, qemu, 7, false"})
  void scalableModeDescriptorsInALegacyQueue(String preset, String fidelity, int type, boolean executes) {
    try (VtdTestBed bed = bed(preset, fidelity)) {
      assertThat(executes(bed, type | 1 << 4, 0)).isEqualTo(executes);
    }
  }

  @ParameterizedTest(name = "{0} {1}: FN-only wait executes: {2}")
  @CsvSource({"qemu-7.2, strict, false", "qemu-11.1, strict, true", "qemu-7.2, qemu, false", "qemu-11.1, qemu, true"})
  void fenceOnlyWait(String preset, String fidelity, boolean executes) {
    try (VtdTestBed bed = bed(preset, fidelity)) {
      assertThat(executes(bed, 0x5 | 1 << 6, 0)).isEqualTo(executes);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"qemu-7.2, strict", "qemu-11.1, strict", "qemu-11.1, qemu"})
  void waitWithStatusAndInterruptWritesAndRaisesIwc(String preset, String fidelity) {
    try (VtdTestBed bed = bed(preset, fidelity)) {
      // measured on 11.1.3: IQH 0x20, ICS 0x1, the status written
      assertThat(executes(bed, 0x5 | 1 << 4 | 1 << 5 | 7L << 32, STATUS)).isTrue();
      assertThat(bed.r32(Registers.ICS)).isEqualTo(1);
      assertThat(bed.events(VtdUnit.EV_EMULATOR_ABORT)).isEmpty();
    }
  }

  @Test
  void waitWithStatusAndInterruptStopsQemu72() {
    try (VtdTestBed bed = bed("qemu-7.2", "qemu")) {
      bed.putRaw(0x5 | 1 << 4 | 1 << 5 | 7L << 32, STATUS);
      bed.putRaw(DONE.lo(), DONE.hi());
      bed.writeTail();

      assertThat(bed.memory.read32(STATUS)).as("nothing after the assertion").isZero();
      assertThat(bed.events(VtdUnit.EV_EMULATOR_ABORT)).singleElement()
          .satisfies(e -> assertThat(String.valueOf(e.attrs().get("reason"))).contains("vtd_process_wait_desc"));
      assertThat(bed.unit.abortReason()).contains("SW and IF");
      // the process is gone: registers read 0, writes and DMA go nowhere
      assertThat(bed.r32(Registers.VER)).isZero();
      assertThat(bed.r64(Registers.CAP)).isZero();
      assertThat(bed.fsts()).isZero();
      bed.w64(Registers.IQT, 0);
      assertThat(bed.unit.translate(0x18, 0x1000, false).ok()).isFalse();
      assertThat(bed.events(InvalidationQueue.EV_WAIT_COMPLETE)).isEmpty();
    }
  }

  /**
   * A queued domain-selective context-cache invalidation whose DID matches no cached entry: strict
   * drops nothing, QEMU (7.2 and 11.1) flushes the whole context cache.
   */
  @ParameterizedTest(name = "{0} {1}: entries left {2}")
  @CsvSource({"qemu-7.2, strict, 1", "qemu-11.1, strict, 1", "qemu-7.2, qemu, 0", "qemu-11.1, qemu, 0"})
  void domainContextInvalidationOfAnUnusedDid(String preset, String fidelity, int left) {
    try (VtdTestBed bed = bed(preset, fidelity)) {
      TableBuilder tables = new TableBuilder(bed.memory, 0x100_0000L);
      long top = tables.multiLevelContext(0x18, 5, 2);
      tables.map(top, 4, 0x4000_0000L, 0x20_0000L, 4096, true, true);
      bed.w64(Registers.RTADDR, tables.rootTable());
      bed.command(GlobalCommand.SRTP, true);
      bed.command(GlobalCommand.TE, true);
      assertThat(bed.unit.translate(0x18, 0x4000_0000L, false).ok()).isTrue(); // caches the context entry

      bed.submit(ContextCacheInvalidation.domain(0x77), DONE);

      assertThat(bed.fsts()).isZero();
      // what is left: a global invalidation afterwards drops exactly that many context entries
      bed.submit(ContextCacheInvalidation.global(), DONE);
      EventBody.CacheInvalidate last = bed.log.events().stream()
          .filter(e -> e.body() instanceof EventBody.CacheInvalidate c && c.cache().equals("context"))
          .map(e -> (EventBody.CacheInvalidate) e.body()).reduce((a, b) -> b).orElseThrow();
      assertThat(last.scope()).isEqualTo("global");
      assertThat(last.dropped()).isEqualTo(left);
    }
  }
}
