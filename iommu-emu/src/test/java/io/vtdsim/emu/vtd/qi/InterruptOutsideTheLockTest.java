package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The unit sends an interrupt message only after it released its lock, on every thread that raises
 * one — its hardware thread included. The receiver (a driver's handler) reads the unit's registers;
 * here it does so from a second thread while the delivering thread waits for it: were the message
 * sent under the unit's lock, that read would block until the wait gave up.
 */
class InterruptOutsideTheLockTest {
  private static void readFstsFromAnotherThread(VtdTestBed bed, List<String> seen) {
    Thread reader = new Thread(() -> seen.add("FSTS " + Integer.toHexString(bed.fsts())));
    reader.start();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (reader.isAlive()) seen.add("blocked");
  }

  /** Fault event unmasked, the queue enabled, every MSI answered by a read from another thread. */
  private static List<String> watched(VtdTestBed bed) {
    List<String> seen = new CopyOnWriteArrayList<>();
    bed.onMsi = (a, d) -> readFstsFromAnotherThread(bed, seen);
    bed.w32(Registers.FEDATA, 0x33);
    bed.w32(Registers.FEADDR, 0xFEE0_0000);
    bed.w32(Registers.FECTL, 0);
    bed.enableQueue(QueueErrorTest.QUEUE, 0);
    return seen;
  }

  @Test
  void theHardwareThreadsFaultEventIsSentOutsideTheUnitLock() {
    VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-7.2", 48).withQueueProcessing(VtdConfig.QueueProcessing.THREAD));
    try {
      List<String> seen = watched(bed);
      bed.putRaw(ContextCacheInvalidation.global().lo(), 0);
      bed.putRaw(0, 0); // type 0: an invalidation queue error (VT-d spec 6.5.2.10)
      bed.writeTail();
      await().atMost(Duration.ofSeconds(30)).until(() -> !seen.isEmpty());
      assertThat(seen).containsExactly("FSTS " + Integer.toHexString(FaultStatus.IQE));
    } finally {
      bed.unit.close();
    }
  }

  @Test
  void anInlineFaultEventIsSentOutsideTheUnitLock() {
    VtdTestBed bed = VtdTestBed.qemu72();
    List<String> seen = watched(bed);
    bed.putRaw(0, 0);
    bed.writeTail(); // processed inside this IQT write
    assertThat(seen).containsExactly("FSTS " + Integer.toHexString(FaultStatus.IQE));
  }
}
