package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several vCPUs share the invalidation queue under one lock while the unit runs its queue on its own thread. */
class ConcurrencyTest {
  private Rig rig;

  @AfterEach
  void stop() {
    if (rig != null) rig.close();
  }

  @Test
  void fourVcpusMapAndUnmapConcurrently() {
    // the real unit processing its queue on its own hardware thread, woken by IQT writes
    rig = new Rig(DriverConfig.of("linux-6.1"),
        VtdConfig.preset("qemu-7.2", 48).withQueueProcessing(VtdConfig.QueueProcessing.THREAD));
    List<SourceId> devs = List.of(SourceId.parse("00:03.0"), SourceId.parse("00:04.0"),
        SourceId.parse("00:05.0"), SourceId.parse("00:06.0"));
    rig.driver.boot(devs);
    rig.resetRecording();
    int perThread = 50;
    AtomicInteger done = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    List<Thread> vcpus = new ArrayList<>();
    for (int t = 0; t < devs.size(); t++) {
      SourceId dev = devs.get(t);
      long base = 0x400000L * (t + 1);
      Thread th = new Thread(() -> {
        try {
          for (int i = 0; i < perThread; i++) {
            long iova = rig.driver.mapSingle(dev, base + 0x1000L * i, 4096, Direction.BIDIRECTIONAL);
            rig.driver.unmapSingle(dev, iova, 4096, Direction.BIDIRECTIONAL);
          }
        } catch (Throwable e) {
          errors.add(e);
        } finally {
          done.incrementAndGet();
        }
      }, "vcpu" + t);
      vcpus.add(th);
    }
    vcpus.forEach(Thread::start);
    await().atMost(Duration.ofSeconds(60)).until(() -> done.get() == devs.size());
    assertThat(errors).isEmpty();
    List<InvalidationDescriptor> executed = rig.executed();
    // every PSI was followed by its own wait: the queue was never shared mid-submission
    assertThat(executed).hasSize(2 * 2 * perThread * devs.size());
    for (int i = 0; i < executed.size(); i += 2) {
      assertThat(executed.get(i).describe()).startsWith("IOTLB PSI");
      assertThat(executed.get(i + 1)).isInstanceOf(InvalidationWait.class);
    }
  }
}
