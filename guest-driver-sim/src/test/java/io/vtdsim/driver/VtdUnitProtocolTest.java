package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The driver's protocol as the real emulated unit sees it: trace stream, IQE recovery, hardware thread. */
class VtdUnitProtocolTest {
  final Clock clock = new Clock();
  final EventLog log = new EventLog(clock);
  final GuestMemory memory = GuestMemory.flat(256L << 20);
  final MmioBus bus = new MmioBus(log);
  VtdUnit unit;

  IntelIommuDriver driver(VtdConfig config, DriverConfig dc) {
    unit = new VtdUnit(config, memory, log, MsiSink.NONE);
    bus.map(config.mmioBase(), unit);
    return new IntelIommuDriver(bus, memory, clock, log, dc.withMmioBase(config.mmioBase()));
  }

  @AfterEach
  void close() {
    if (unit != null) unit.close();
  }

  private List<Long> descriptorLos() {
    List<Long> out = new ArrayList<>();
    for (Event e : log.eventsOfKind("vtd.descriptor")) out.add(e.longAttr("lo"));
    return out;
  }

  @Test
  void linux61BootStreamAtTheUnitMatchesTheTrace() {
    IntelIommuDriver d = driver(VtdConfig.preset("qemu-7.2", 48), DriverConfig.of("linux-6.1")
        .withGroup("2", Linux61TraceTest.LPC, Linux61TraceTest.AHCI, Linux61TraceTest.SMBUS));
    d.boot(List.of(Linux61TraceTest.HOST_BRIDGE, Linux61TraceTest.VIRTIO_BLK, Linux61TraceTest.LPC,
        Linux61TraceTest.AHCI, Linux61TraceTest.SMBUS));
    long w = 0x0000000200000025L;
    assertThat(descriptorLos()).containsExactly(
        0x11L, w, 0xd2L, w,
        0x31L, w, 0x200e2L, w,
        0x800000031L, w, 0x300e2L, w,
        0xf800000031L, w, 0x400e2L, w,
        0xfa00000031L, w, 0x400e2L, w,
        0xfb00000031L, w, 0x400e2L, w);
    assertThat(unit.translationEnabled()).isTrue();
    assertThat(log.eventsOfKind("vtd.iqe")).isEmpty();
  }

  @Test
  void iqeRecoveryWithTheRealUnit() {
    IntelIommuDriver d = driver(VtdConfig.preset("qemu-7.2", 48), DriverConfig.of("linux-6.1"));
    SourceId dev = SourceId.parse("00:03.0");
    d.boot(List.of(dev));
    assertThatThrownBy(() -> d.submitRaw(List.of(new InvalidationDescriptor.Malformed(0x2, 0, "granularity 0"))))
        .isInstanceOf(QueueErrorException.class);
    assertThat(log.eventsOfKind("vtd.iqe")).hasSize(1);
    // the queue still works and mappings are still invalidated
    long iova = d.mapSingle(dev, 0x300000, 4096, Direction.BIDIRECTIONAL);
    assertThat(unit.translate(dev.sid(), iova, true).address()).isEqualTo(0x300000);
    d.unmapSingle(dev, iova, 4096, Direction.BIDIRECTIONAL);
    assertThat(unit.translate(dev.sid(), iova, true).ok()).isFalse();
  }

  @Test
  void severalVcpusWithTheHardwareThread() {
    VtdConfig cfg = VtdConfig.preset("qemu-7.2", 48).withQueueProcessing(VtdConfig.QueueProcessing.THREAD);
    IntelIommuDriver d = driver(cfg, DriverConfig.of("linux-6.12"));
    List<SourceId> devs = List.of(SourceId.parse("00:03.0"), SourceId.parse("00:04.0"), SourceId.parse("00:05.0"));
    d.boot(devs);
    AtomicInteger done = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    for (int t = 0; t < devs.size(); t++) {
      SourceId dev = devs.get(t);
      long base = 0x400000L * (t + 1);
      new Thread(() -> {
        try {
          for (int i = 0; i < 30; i++) {
            long iova = d.mapSingle(dev, base + 0x1000L * i, 4096, Direction.FROM_DEVICE);
            if (unit.translate(dev.sid(), iova, true).address() != base + 0x1000L * i) {
              throw new AssertionError("wrong translation for " + dev);
            }
            d.unmapSingle(dev, iova, 4096, Direction.FROM_DEVICE);
          }
        } catch (Throwable e) {
          errors.add(e);
        } finally {
          done.incrementAndGet();
        }
      }, "vcpu" + t).start();
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> done.get() == devs.size());
    assertThat(errors).isEmpty();
    assertThat(log.eventsOfKind("vtd.iqe")).isEmpty();
  }
}
