package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockingDetails;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.RemappingObserver;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

/**
 * An exception escaping the queue drain on the THREAD-mode hardware thread does not end the thread:
 * it becomes a queue error (vtd.iqe, FSTS.IQE) at the head descriptor, and the queue works again once
 * the guest clears IQE and rings the tail (VT-d spec 6.5.2.10).
 */
class HardwareThreadFailureTest {
  static final long QUEUE = 0x10_0000;
  static final long STATUS = 0x8000;

  private static ConditionFactory poll() {
    return await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
  }

  private static long calls(Object mock, String method) {
    return mockingDetails(mock).getInvocations().stream()
        .filter(i -> i.getMethod().getName().equals(method)).count();
  }

  @Test
  @SuppressWarnings("unchecked")
  void workerSurvivesAThrowingDrainAndReportsIt() {
    Runnable drain = mock(Runnable.class);
    doThrow(new IllegalStateException("boom")).doNothing().when(drain).run();
    Consumer<RuntimeException> onFailure = mock(Consumer.class);
    List<RuntimeException> reported = new ArrayList<>();
    org.mockito.Mockito.doAnswer(inv -> {
      synchronized (reported) {
        reported.add(inv.getArgument(0));
      }
      return null;
    }).when(onFailure).accept(any());
    try (QueueWorker worker = new QueueWorker("test-qi", drain, onFailure)) {
      worker.start();
      worker.wake();
      poll().until(() -> calls(onFailure, "accept") == 1);
      worker.wake();
      poll().until(() -> calls(drain, "run") == 2);
      assertThat(worker.running()).isTrue();
      synchronized (reported) {
        assertThat(reported).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aFailingHandlerDoesNotEndTheThreadEither() {
    Runnable drain = mock(Runnable.class);
    doThrow(new IllegalStateException("boom")).when(drain).run();
    Consumer<RuntimeException> onFailure = mock(Consumer.class);
    doThrow(new IllegalStateException("handler")).when(onFailure).accept(any());
    try (QueueWorker worker = new QueueWorker("test-qi", drain, onFailure)) {
      worker.start();
      worker.wake();
      poll().until(() -> calls(onFailure, "accept") == 1);
      worker.wake();
      poll().until(() -> calls(onFailure, "accept") == 2);
      assertThat(worker.running()).isTrue();
    }
  }

  @Test
  void anObserverThatThrowsOnTheHardwareThreadBecomesAnIqe() {
    VtdTestBed bed = new VtdTestBed(VtdConfig.qemu72().withQueueProcessing(VtdConfig.QueueProcessing.THREAD));
    try {
      RemappingObserver failing = mock(RemappingObserver.class);
      // the queue hands an IOTLB invalidation to observers as its two descriptor words
      doThrow(new IllegalStateException("observer failed")).doNothing().when(failing).iotlbInvalidated(anyLong(), anyLong());
      bed.unit.addObserver(failing);
      bed.enableQueue(QUEUE, 0);
      bed.submit(IotlbInvalidation.domain(1, false, false), InvalidationWait.statusWrite(2, STATUS));
      poll().until(() -> (bed.fsts() & FaultStatus.IQE) != 0);
      assertThat(bed.head()).isZero(); // the head stays on the descriptor that failed
      assertThat(bed.memory.read32(STATUS)).isZero();
      assertThat(bed.events(InvalidationQueue.EV_IQE)).singleElement().satisfies((Event e) -> {
        assertThat(e.attrs()).containsEntry("index", 0);
        assertThat(String.valueOf(e.attrs().get("reason"))).contains("internal error").contains("observer failed");
      });

      // the guest clears IQE and rings the tail again: the same thread goes on
      bed.w32(Registers.FSTS, FaultStatus.IQE);
      bed.writeTail();
      poll().until(() -> bed.memory.read32(STATUS) == 2);
      assertThat(bed.head()).isEqualTo(2);
      assertThat(calls(failing, "iotlbInvalidated")).isEqualTo(2);
    } finally {
      bed.close();
    }
  }
}
