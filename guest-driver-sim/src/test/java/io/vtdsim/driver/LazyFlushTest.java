package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.SourceId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lazy (non-strict) DMA-API unmapping per era (flush queue of drivers/iommu/dma-iommu.c, earlier iova.c; iommu_set_dma_strict under CM). */
class LazyFlushTest {
  static final SourceId DEV = SourceId.parse("00:03.0");
  static final long TEN_MS = 10_000_000L;

  private static Rig lazy(String preset, boolean cm) {
    Rig rig = new Rig(DriverConfig.of(preset).withDmaMode(DmaMode.LAZY), Rig.qemuCap(48).withCm(cm),
        Rig.qemuEcap());
    rig.driver.boot(List.of(DEV));
    rig.driver.mapSingle(DEV, 0x100000, 8, Direction.TO_DEVICE);
    return rig;
  }

  private static List<Long> mapAndUnmap(Rig rig, int n) {
    List<Long> iovas = new ArrayList<>();
    for (int i = 0; i < n; i++) iovas.add(rig.driver.mapSingle(DEV, 0x200000 + 0x1000L * i, 4096, Direction.BIDIRECTIONAL));
    rig.resetRecording();
    for (long iova : iovas) rig.driver.unmapSingle(DEV, iova, 4096, Direction.BIDIRECTIONAL);
    return iovas;
  }

  @Test
  void linux410UnderCmFlushesEachDeferredEntryWithAPsiAfterTenMs() {
    Rig rig = lazy("linux-4.10", true);
    List<Long> iovas = mapAndUnmap(rig, 3);
    assertThat(rig.invalidations()).isEmpty();
    assertThat(rig.driver.pendingLazyIovas()).containsExactlyElementsOf(iovas);
    rig.clock.advance(TEN_MS - 1);
    assertThat(rig.invalidations()).isEmpty();
    rig.clock.advance(1);
    assertThat(rig.invalidations()).containsExactly(
        String.format("IOTLB PSI DID=1 ADDR=0x%x AM=0", iovas.get(0)),
        String.format("IOTLB PSI DID=1 ADDR=0x%x AM=0", iovas.get(1)),
        String.format("IOTLB PSI DID=1 ADDR=0x%x AM=0", iovas.get(2)));
    assertThat(rig.driver.pendingLazyIovas()).isEmpty();
  }

  @Test
  void linux410WithoutCmFlushesGlobally() {
    Rig rig = lazy("linux-4.10", false);
    mapAndUnmap(rig, 2);
    rig.clock.advance(TEN_MS);
    assertThat(rig.invalidations()).containsExactly("IOTLB global");
  }

  @Test
  void linux410FlushesAtTheHighWaterMarkOf250() {
    Rig rig = lazy("linux-4.10", true);
    mapAndUnmap(rig, 250);
    assertThat(rig.invalidations()).hasSize(250);
    assertThat(rig.driver.pendingLazyIovas()).isEmpty();
  }

  @Test
  void linux510FlushQueueIsOneDsiEvenUnderCm() {
    Rig rig = lazy("linux-5.10", true);
    mapAndUnmap(rig, 4);
    assertThat(rig.driver.pendingLazyIovas()).hasSize(4);
    rig.clock.advance(TEN_MS);
    assertThat(rig.invalidations()).containsExactly("IOTLB DSI DID=1");
    assertThat(rig.driver.pendingLazyIovas()).isEmpty();
  }

  @Test
  void aFullRingIsFlushedBeforeTheNextEntry() {
    Rig rig = lazy("linux-5.10", true);
    mapAndUnmap(rig, 255);
    assertThat(rig.invalidations()).isEmpty();
    long extra = rig.driver.mapSingle(DEV, 0x900000, 4096, Direction.TO_DEVICE);
    rig.driver.unmapSingle(DEV, extra, 4096, Direction.TO_DEVICE);
    // the map's own CM flush, then the flush-all that makes room for the 256th entry
    assertThat(rig.invalidations()).containsExactly(String.format("IOTLB PSI DID=1 ADDR=0x%x AM=0", extra), "IOTLB DSI DID=1");
    assertThat(rig.driver.pendingLazyIovas()).containsExactly(extra);
  }

  @Test
  void from511CachingModeForcesStrict() {
    for (String preset : List.of("linux-5.18", "linux-6.1", "linux-6.12")) {
      Rig rig = lazy(preset, true);
      List<Long> iovas = mapAndUnmap(rig, 2);
      assertThat(rig.invalidations()).as(preset).hasSize(2).allMatch(s -> s.startsWith("IOTLB PSI"));
      assertThat(rig.driver.pendingLazyIovas()).isEmpty();
      assertThat(iovas).hasSize(2);
    }
  }

  @Test
  void withoutCmLaterErasUseTheFlushQueueWithOneDsi() {
    Rig rig = lazy("linux-6.1", false);
    mapAndUnmap(rig, 3);
    assertThat(rig.invalidations()).isEmpty();
    rig.clock.advance(TEN_MS);
    assertThat(rig.invalidations()).containsExactly("IOTLB DSI DID=2");
  }

  @Test
  void deferredIovasAreNotReusedBeforeTheFlush() {
    Rig rig = lazy("linux-5.10", true);
    List<Long> iovas = mapAndUnmap(rig, 1);
    long next = rig.driver.mapSingle(DEV, 0x500000, 4096, Direction.TO_DEVICE);
    assertThat(next).isNotEqualTo(iovas.get(0));
    rig.clock.advance(TEN_MS);
    long again = rig.driver.mapSingle(DEV, 0x600000, 4096, Direction.TO_DEVICE);
    assertThat(again).isEqualTo(iovas.get(0));
  }
}
