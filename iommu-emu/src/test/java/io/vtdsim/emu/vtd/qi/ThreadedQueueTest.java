package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.awaitility.core.ConditionFactory;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * THREAD queue processing: a hardware thread woken by IQT writes works through the queue; the guest
 * polls the wait descriptor's status word as Linux's qi_submit_sync does.
 */
class ThreadedQueueTest {
  static final long QUEUE = 0x10_0000;
  static final long STATUS = 0x8000;

  final VtdTestBed bed = new VtdTestBed(VtdConfig.qemu72().withQueueProcessing(VtdConfig.QueueProcessing.THREAD));

  /** Polls the way a driver spins on the status word: often, without a fixed sleep first. */
  private static ConditionFactory poll() {
    return await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
  }

  @AfterEach
  void stop() {
    bed.close();
  }

  @Test
  void waitsCompleteOnTheHardwareThreadAfterTheEarlierDescriptors() {
    bed.enableQueue(QUEUE, 0);
    bed.submit(ContextCacheInvalidation.global(), IotlbInvalidation.global(false, false),
        InvalidationWait.statusWrite(InvalidationWait.QI_DONE, STATUS));
    poll().until(() -> bed.memory.read32(STATUS) == InvalidationWait.QI_DONE);
    assertThat(bed.observer.invalidationsSnapshot())
        .containsExactly(ContextCacheInvalidation.global(), IotlbInvalidation.global(false, false));
    assertThat(bed.head()).isEqualTo(3);
  }

  @Test
  void manySubmissionsInARowAllComplete() {
    bed.enableQueue(QUEUE, 0);
    for (int i = 1; i <= 100; i++) {
      bed.submit(IotlbInvalidation.domain(i & 0xFF, false, false), InvalidationWait.statusWrite(i, STATUS));
      int expected = i;
      poll().until(() -> bed.memory.read32(STATUS) == expected);
    }
    assertThat(bed.observer.invalidationsSnapshot()).hasSize(100);
    assertThat(bed.events(InvalidationQueue.EV_WAIT_COMPLETE)).hasSize(100);
  }

  @Test
  void errorsSetIqeOnTheHardwareThreadToo() {
    bed.enableQueue(QUEUE, 0);
    bed.putRaw(0, 0);
    bed.writeTail();
    poll().until(() -> (bed.fsts() & FaultStatus.IQE) != 0);
    assertThat(bed.head()).isZero();
  }

  @Test
  void enablingWithAPendingTailWakesTheThread() {
    bed.queueBase = QUEUE;
    InvalidationWait wait = InvalidationWait.statusWrite(2, STATUS);
    bed.writeDescriptor(0, wait.lo(), wait.hi());
    bed.w64(Registers.IQA, QUEUE);
    bed.w64(Registers.IQT, 0x10);
    bed.command(io.vtdsim.emu.spec.GlobalCommand.QIE, true);
    poll().until(() -> bed.memory.read32(STATUS) == 2);
  }
}
