package io.vtdsim.harness.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.machine.BufferedDmaDevice;
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A write of a device that writes only what it read (QEMU's edu) is staged through its buffer: the
 * check must find the bytes at the intended GPA exactly when the device's translation is the
 * intended one, and must see the device's own faults.
 */
class BufferedWriteCheckTest {
  private static final long IOVA = 0x10000;
  private static final long INTENDED = 0x40000;

  /** A device with a 4 KiB buffer whose DMA lands at iova + shift, refusing reads and/or writes. */
  private static final class Buffered implements BufferedDmaDevice {
    final GuestMemory memory;
    final long shift;
    final boolean readable;
    final boolean writable;
    final byte[] buffer = new byte[4096];

    Buffered(GuestMemory memory, long shift, boolean readable, boolean writable) {
      this.memory = memory;
      this.shift = shift;
      this.readable = readable;
      this.writable = writable;
    }

    @Override
    public String name() {
      return "disk";
    }

    @Override
    public SourceId sid() {
      return SourceId.of(0x20); // 00:04.0
    }

    @Override
    public DmaResult read(long iova, int length) {
      if (!readable) return DmaResult.fault(iova, "read refused");
      memory.read(iova + shift, buffer, 0, length);
      return DmaResult.success(null);
    }

    @Override
    public StagedWrite writeThroughBuffer(long iova, int length, Runnable beforeWriteBack) {
      boolean staged = read(iova, length).ok();
      if (staged && beforeWriteBack != null) beforeWriteBack.run();
      if (!writable) return new StagedWrite(DmaResult.fault(iova, "write refused"), staged);
      memory.write(iova + shift, buffer, 0, length);
      return new StagedWrite(DmaResult.success(null), staged);
    }
  }

  private static List<Violation> write(Buffered dev, boolean expectOk) {
    DmaCheck check = new DmaCheck(dev.memory, new IntentModel(), null, null); // run is given the pieces
    return check.run(dev, "disk", IOVA, true, 64, expectOk, List.of(new DmaCheck.Piece(IOVA, INTENDED, 64)), false);
  }

  @Test
  void aWriteThroughTheIntendedTranslationLandsThePattern() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    assertThat(write(new Buffered(m, INTENDED - IOVA, true, true), true)).isEmpty();
    // the first DMA's pattern (DmaCheck numbers its DMAs from 1) is at the intended GPA
    assertThat(m.read(INTENDED, 64)).containsExactly(DmaCheck.pattern(1, 64));
  }

  @Test
  void aWriteThroughAnotherTranslationIsAMismatchAndLeavesItsTargetAsItWas() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    long elsewhere = 0x80000;
    m.write(elsewhere, new byte[] {7, 7, 7, 7});
    List<Violation> v = write(new Buffered(m, elsewhere - IOVA, true, true), true);
    assertThat(v).extracting(Violation::kind).containsExactly(Violation.DMA_MISMATCH);
    assertThat(v.get(0).detail()).contains("gpa 0x40000");
    assertThat(m.read(elsewhere, 4)).containsExactly(7, 7, 7, 7); // it wrote back what it read there
  }

  @Test
  void theDevicesOwnWriteFaultCounts() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    assertThat(write(new Buffered(m, INTENDED - IOVA, true, false), true)).extracting(Violation::kind)
        .containsExactly(Violation.UNEXPECTED_FAULT);
    assertThat(write(new Buffered(m, INTENDED - IOVA, true, false), false)).isEmpty();
    assertThat(write(new Buffered(m, INTENDED - IOVA, false, true), false)).extracting(Violation::kind)
        .containsExactly(Violation.UNEXPECTED_SUCCESS);
  }

  /** A write-only mapping refuses the staging read: the write's bytes are not the planted ones, so only its outcome counts. */
  @Test
  void aRefusedStagingReadChecksOnlyTheOutcome() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    assertThat(write(new Buffered(m, INTENDED - IOVA, false, true), true)).isEmpty();
  }

  /** Handing such a device bytes to write is misuse of the Java API: refused, naming the staged call. */
  @Test
  void aWriteOfChosenBytesIsRefusedWithTheCallToUse() {
    Buffered dev = new Buffered(GuestMemory.flat(1 << 20), 0, true, true);
    assertThatThrownBy(() -> dev.write(IOVA, new byte[4])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("device disk").hasMessageContaining("writeThroughBuffer");
  }
}
