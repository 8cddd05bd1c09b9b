package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SourceId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The linux-6.1 preset against what a real Linux 6.1 guest sent to QEMU 7.2 (a Linux 6.1 guest's trace
 * on QEMU 7.2, docs/linux-6.1-trace.md): §1 init, §2 attach of the five boot devices, §3 DIDs, §4 per-map/unmap PSIs.
 */
class Linux61TraceTest {
  static final SourceId HOST_BRIDGE = SourceId.parse("00:00.0");
  static final SourceId VIRTIO_BLK = SourceId.parse("00:01.0");
  static final SourceId LPC = SourceId.parse("00:1f.0");
  static final SourceId AHCI = SourceId.parse("00:1f.2");
  static final SourceId SMBUS = SourceId.parse("00:1f.3");

  static Rig bootTraceGuest(int aw) {
    DriverConfig cfg = DriverConfig.of("linux-6.1").withGroup("2", LPC, AHCI, SMBUS);
    Rig rig = new Rig(cfg, Rig.qemuCap(aw), Rig.qemuEcap());
    rig.driver.boot(List.of(SMBUS, VIRTIO_BLK, HOST_BRIDGE, AHCI, LPC));
    return rig;
  }

  @Test
  void initAndAttachRegisterWritesMatchTheTrace() {
    Rig rig = bootTraceGuest(48);
    List<String> writes = new ArrayList<>(rig.registerWrites());
    // the two table pages are the guest's choice: check they are page aligned (IQA: QS=0, DW=0), then mask
    for (int i = 0; i < writes.size(); i++) {
      String w = writes.get(i);
      if (w.startsWith("IQA=") || w.startsWith("RTADDR=")) {
        long v = Long.parseLong(w.substring(w.indexOf("0x") + 2), 16);
        assertThat(v & 0xFFF).as(w).isZero();
        writes.set(i, w.substring(0, w.indexOf('=')) + "=<page>");
      }
    }
    List<String> expected = new ArrayList<>(List.of(
        "IQT=0x0", "IQA=<page>", "GCMD=0x4000000", "RTADDR=<page>", "GCMD=0x44000000",
        "IQT=0x20", "IQT=0x40",
        "FEDATA=0x21", "FEADDR=0xfee01004", "FEUADDR=0x0", "FEDATA=0x21", "FEADDR=0xfee01004", "FEUADDR=0x0",
        "FECTL=0x0"));
    for (int sub = 3; sub <= 12; sub++) expected.add("IQT=0x" + Integer.toHexString(sub * 0x20));
    expected.add("GCMD=0x84000000");
    assertThat(writes).containsExactlyElementsOf(expected);
  }

  @Test
  void initAndAttachDescriptorsMatchTheTrace() {
    Rig rig = bootTraceGuest(48);
    List<InvalidationDescriptor> ds = rig.executed();
    long[][] expectedLo = {
        {0x11}, {0xd2},
        {0x31}, {0x200e2},
        {0x800000031L}, {0x300e2},
        {0xf800000031L}, {0x400e2},
        {0xfa00000031L}, {0x400e2},
        {0xfb00000031L}, {0x400e2}};
    assertThat(ds).hasSize(2 * expectedLo.length);
    assertThat(rig.submissions()).allSatisfy(s -> assertThat(s).hasSize(2));
    long firstWaitHi = ds.get(1).hi();
    for (int i = 0; i < expectedLo.length; i++) {
      assertThat(ds.get(2 * i).lo()).as("descriptor %d", i).isEqualTo(expectedLo[i][0]);
      assertThat(ds.get(2 * i).hi()).isZero();
      InvalidationDescriptor wait = ds.get(2 * i + 1);
      assertThat(wait).isInstanceOf(InvalidationWait.class);
      assertThat(wait.lo()).isEqualTo(0x0000000200000025L);
      assertThat(wait.hi()).isEqualTo(firstWaitHi + 8L * i); // status word of slot 2i+1
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {39, 48})
  void didsAndContextEntriesMatchTheTrace(int aw) {
    Rig rig = bootTraceGuest(aw);
    IntelIommuDriver d = rig.driver;
    assertThat(List.of(HOST_BRIDGE, VIRTIO_BLK, LPC, AHCI, SMBUS))
        .extracting(s -> d.domainId(d.domainOf(s).orElseThrow()))
        .containsExactly(2, 3, 4, 4, 4);
    long ctxTable = RootEntry.decode(rig.memory.read64(RootEntry.address(d.rootTableAddress(), 0))).contextTablePointer();
    long at = ContextEntry.address(ctxTable, VIRTIO_BLK.devfn());
    // virtio-blk: hi=0x302 with aw48 (AW=2, DID 3), 0x301 with aw39; lo = SLPTPTR | P, TT=0
    assertThat(rig.memory.read64(at + 8)).isEqualTo(aw == 48 ? 0x302L : 0x301L);
    assertThat(rig.memory.read64(at)).isEqualTo(d.pageTableRoot(d.domainOf(VIRTIO_BLK).orElseThrow()) | 1);
  }

  @Test
  void everyMapAndUnmapIsOnePsiWithItsOwnWaitAndIovasAreReusedLifo() {
    Rig rig = bootTraceGuest(48);
    rig.resetRecording();
    IntelIommuDriver d = rig.driver;
    // virtio_blk probe: two 2-page vrings (dma_alloc_coherent), AM=1, from just below 4 GiB
    long ring1 = d.mapSingle(VIRTIO_BLK, 0x2b00000, 0x2000, Direction.BIDIRECTIONAL);
    long ring2 = d.mapSingle(VIRTIO_BLK, 0x2b10000, 0x2000, Direction.BIDIRECTIONAL);
    assertThat(ring1).isEqualTo(0xffffe000L);
    assertThat(ring2).isEqualTo(0xffffc000L);
    // one request: header (R), data, status, indirect table
    long hdr = d.mapSingle(VIRTIO_BLK, 0x2bf2690, 16, Direction.TO_DEVICE);
    long data = d.mapSingle(VIRTIO_BLK, 0x2c00000, 512, Direction.FROM_DEVICE);
    long status = d.mapSingle(VIRTIO_BLK, 0x2bf26a0, 1, Direction.FROM_DEVICE);
    long table = d.mapSingle(VIRTIO_BLK, 0x2c10000, 64, Direction.TO_DEVICE);
    assertThat(List.of(hdr, data, status, table))
        .containsExactly(0xffffb690L, 0xffffa000L, 0xffff96a0L, 0xffff8000L);
    d.unmapSingle(VIRTIO_BLK, table, 64, Direction.TO_DEVICE);
    d.unmapSingle(VIRTIO_BLK, hdr, 16, Direction.TO_DEVICE);
    d.unmapSingle(VIRTIO_BLK, data, 512, Direction.FROM_DEVICE);
    d.unmapSingle(VIRTIO_BLK, status, 1, Direction.FROM_DEVICE);
    // the next request reuses the same four IOVAs in LIFO order
    long next = d.mapSingle(VIRTIO_BLK, 0x2d00000, 16, Direction.TO_DEVICE);
    assertThat(next).isEqualTo(0xffff9000L);

    assertThat(rig.submissions()).hasSize(11).allSatisfy(s -> {
      assertThat(s).hasSize(2);
      assertThat(s.get(1)).isInstanceOf(InvalidationWait.class);
    });
    List<String> psis = rig.invalidations();
    assertThat(psis).containsExactly(
        "IOTLB PSI DID=3 ADDR=0xffffe000 AM=1", "IOTLB PSI DID=3 ADDR=0xffffc000 AM=1",
        "IOTLB PSI DID=3 ADDR=0xffffb000 AM=0", "IOTLB PSI DID=3 ADDR=0xffffa000 AM=0",
        "IOTLB PSI DID=3 ADDR=0xffff9000 AM=0", "IOTLB PSI DID=3 ADDR=0xffff8000 AM=0",
        "IOTLB PSI DID=3 ADDR=0xffff8000 AM=0", "IOTLB PSI DID=3 ADDR=0xffffb000 AM=0",
        "IOTLB PSI DID=3 ADDR=0xffffa000 AM=0", "IOTLB PSI DID=3 ADDR=0xffff9000 AM=0",
        "IOTLB PSI DID=3 ADDR=0xffff9000 AM=0");
    // lo = 0xf2 | DID<<16 (DR=DW=1, IH=0)
    assertThat(rig.submissions().get(2).get(0).lo()).isEqualTo(0x300f2L);
  }

  @Test
  void hotRemoveAndRescanAsTraced() {
    Rig rig = bootTraceGuest(48);
    rig.resetRecording();
    rig.driver.detach(VIRTIO_BLK);
    rig.driver.attach(VIRTIO_BLK, "default:" + VIRTIO_BLK);
    // remove: CC device-selective with the old DID 3 + DSI 3; rescan: CC device-selective DID 0, DSI 3,
    // and a second DSI 3 (the probe's direct-mapping flush), each with its own wait
    assertThat(rig.submissions()).extracting(s -> s.get(0).lo())
        .containsExactly(0x800030031L, 0x300e2L, 0x800000031L, 0x300e2L, 0x300e2L);
    assertThat(rig.submissions()).allSatisfy(s -> assertThat(s).hasSize(2));
  }

  @Test
  void withoutCmTheRescanIsOneDsi() {
    DriverConfig cfg = DriverConfig.of("linux-6.1").withGroup("2", LPC, AHCI, SMBUS);
    Rig rig = new Rig(cfg, Rig.qemuCap(48).withCm(false), Rig.qemuEcap());
    rig.driver.boot(List.of(SMBUS, VIRTIO_BLK, HOST_BRIDGE, AHCI, LPC));
    rig.resetRecording();
    rig.driver.detach(VIRTIO_BLK);
    rig.driver.attach(VIRTIO_BLK, "default:" + VIRTIO_BLK);
    // run c (CM=0): the detach is the same (CC DID 3 + DSI 3), the re-attach only the single DSI DID 3
    assertThat(rig.submissions()).extracting(s -> s.get(0).lo())
        .containsExactly(0x800030031L, 0x300e2L, 0x300e2L);
  }

  @Test
  void theQueueWrapsCleanly() {
    Rig rig = bootTraceGuest(48);
    for (int i = 0; i < 70; i++) {
      long iova = rig.driver.mapSingle(VIRTIO_BLK, 0x2c00000, 4096, Direction.BIDIRECTIONAL);
      rig.driver.unmapSingle(VIRTIO_BLK, iova, 4096, Direction.BIDIRECTIONAL);
    }
    List<String> iqt = rig.registerWrites().stream().filter(w -> w.startsWith("IQT=")).toList();
    // ..., 0xfe0, 0x0, 0x20, ... (docs/linux-6.1-trace.md §4): 12 boot submissions, then 140 more
    int wrap = iqt.indexOf("IQT=0xfe0");
    assertThat(wrap).isEqualTo(127);
    assertThat(iqt.subList(wrap, wrap + 3)).containsExactly("IQT=0xfe0", "IQT=0x0", "IQT=0x20");
    assertThat(rig.submissions()).allSatisfy(s -> assertThat(s).hasSize(2));
  }
}
