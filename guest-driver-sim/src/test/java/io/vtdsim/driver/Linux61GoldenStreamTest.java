package io.vtdsim.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import io.vtdsim.emu.vtd.qi.InvalidationQueue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole captured Linux 6.1 boot + attach stream (a Linux 6.1 guest's trace on QEMU 7.2,
 * docs/linux-6.1-trace.md §1–§3, run a / b), a virtio-blk probe and request (§4), the hot-remove and
 * rescan of 00:01.0 (§2) and the shutdown (§1), driven through the REAL emulated unit (VtdUnit, the
 * qemu-7.2 preset, over the MmioBus and guest memory): every MMIO access in order — register, access
 * width, and the value of every write and of the CAP/ECAP reads — and every descriptor the unit
 * fetched (both quadwords). The two table-page addresses (IQA, RTADDR) are the guest's own choice and
 * are checked to be page aligned with QS=0/DW=0 and TTM=00. Widths are Linux's accessors: readq/writeq
 * (dmar_readq, dmar_writeq) for CAP, ECAP, IQA, RTADDR; readl/writel for the rest, IQT included. Register
 * values read other than CAP/ECAP are not compared (the digest does not record them).
 */
class Linux61GoldenStreamTest {
  static final SourceId HOST_BRIDGE = SourceId.parse("00:00.0");
  static final SourceId VIRTIO_BLK = SourceId.parse("00:01.0");
  static final SourceId LPC = SourceId.parse("00:1f.0");
  static final SourceId AHCI = SourceId.parse("00:1f.2");
  static final SourceId SMBUS = SourceId.parse("00:1f.3");

  @ParameterizedTest(name = "aw{0}")
  @ValueSource(ints = {39, 48})
  void bootAttachRequestRemoveRescanShutdownAsTraced(int aw) throws Exception {
    Clock clock = new Clock();
    EventLog log = new EventLog(clock);
    GuestMemory memory = GuestMemory.flat(256L << 20);
    MmioBus bus = new MmioBus(log);
    VtdConfig config = VtdConfig.preset("qemu-7.2", aw);
    try (VtdUnit unit = new VtdUnit(config, memory, log, (a, d) -> { })) {
      bus.map(config.mmioBase(), unit);
      // the ICH9 functions 00:1f.0/2/3 share one IOMMU group (group 2 in the trace)
      DriverConfig cfg = DriverConfig.of("linux-6.1").withMmioBase(config.mmioBase()).withGroup("2", LPC, AHCI, SMBUS);
      IntelIommuDriver driver = new IntelIommuDriver(bus, memory, clock, log, cfg);

      // §1 + §2: init and the five boot devices, probed in BDF order
      driver.boot(List.of(SMBUS, VIRTIO_BLK, HOST_BRIDGE, AHCI, LPC));
      List<String> expected = new ArrayList<>(List.of(
          "R64 CAP = " + (aw == 48 ? "0xd2008c222f0686" : "0xd2008c22260286"), "R64 ECAP = 0xf42",
          "R64 CAP", "R64 ECAP", "R32 VER", "R32 GSTS",
          "R32 FSTS", "R32 GSTS",
          // the trace's "read GSTS x2": the QIES poll, then init_dmars' check whether firmware left TE on
          "W32 IQT = 0x0", "W64 IQA = <page>", "W32 GCMD = 0x4000000", "R32 GSTS", "R32 GSTS",
          "W64 RTADDR = <page>", "W32 GCMD = 0x44000000", "R32 GSTS",
          "W32 IQT = 0x20", "W32 IQT = 0x40",
          "W32 FEDATA = 0x21", "W32 FEADDR = 0xfee01004", "W32 FEUADDR = 0x0",
          "W32 FEDATA = 0x21", "W32 FEADDR = 0xfee01004", "W32 FEUADDR = 0x0",
          "W32 FECTL = 0x0", "R32 FECTL"));
      for (int sub = 3; sub <= 12; sub++) expected.add("W32 IQT = 0x" + Integer.toHexString(sub * 0x20));
      expected.addAll(List.of("W32 GCMD = 0x84000000", "R32 GSTS"));
      assertThat(mmio(log, 0)).containsExactlyElementsOf(expected);
      long[][] boot = {
          {0x11, 0}, {0xd2, 0},
          {0x31, 0}, {0x200e2, 0},
          {0x800000031L, 0}, {0x300e2, 0},
          {0xf800000031L, 0}, {0x400e2, 0},
          {0xfa00000031L, 0}, {0x400e2, 0},
          {0xfb00000031L, 0}, {0x400e2, 0}};
      List<long[]> descs = descriptors(log, 0);
      assertThat(descs).hasSize(2 * boot.length);
      long statusBase = descs.get(1)[1] - 4; // the first wait writes the status word of slot 1
      for (int i = 0; i < boot.length; i++) {
        assertThat(descs.get(2 * i)).as("descriptor %d", i).containsExactly(boot[i]);
        // every invalidation has its own wait: SW=1, data 2 (QI_DONE), status word of its slot
        assertThat(descs.get(2 * i + 1)).containsExactly(0x0000000200000025L, statusBase + 4L * (2 * i + 1));
      }
      // §3: DIDs 2, 3, 4 (the group shares DID 4); the virtio-blk context entry hi 0x302 (aw48) / 0x301 (aw39)
      assertThat(List.of(HOST_BRIDGE, VIRTIO_BLK, LPC, AHCI, SMBUS))
          .extracting(s -> driver.domainId(driver.domainOf(s).orElseThrow()))
          .containsExactly(2, 3, 4, 4, 4);
      assertThat(unit.translationEnabled()).isTrue();

      // §4: the virtio_blk probe's two 2-page vrings, then one request (header R, data, status, table)
      long mark = log.lastSeq();
      long ring1 = driver.mapSingle(VIRTIO_BLK, 0x2b00000, 0x2000, Direction.BIDIRECTIONAL);
      long ring2 = driver.mapSingle(VIRTIO_BLK, 0x2b10000, 0x2000, Direction.BIDIRECTIONAL);
      long hdr = driver.mapSingle(VIRTIO_BLK, 0x2bf2690, 16, Direction.TO_DEVICE);
      long data = driver.mapSingle(VIRTIO_BLK, 0x2c00000, 512, Direction.FROM_DEVICE);
      long status = driver.mapSingle(VIRTIO_BLK, 0x2bf26a0, 1, Direction.FROM_DEVICE);
      long table = driver.mapSingle(VIRTIO_BLK, 0x2c10000, 64, Direction.TO_DEVICE);
      assertThat(List.of(ring1, ring2)).containsExactly(0xffffe000L, 0xffffc000L);
      assertThat(List.of(hdr, data, status, table)).containsExactly(0xffffb690L, 0xffffa000L, 0xffff96a0L, 0xffff8000L);
      // the device reads the header through the real unit's translation
      assertThat(unit.translate(VIRTIO_BLK.sid(), hdr, false).address()).isEqualTo(0x2bf2690L);
      driver.unmapSingle(VIRTIO_BLK, table, 64, Direction.TO_DEVICE);
      driver.unmapSingle(VIRTIO_BLK, hdr, 16, Direction.TO_DEVICE);
      driver.unmapSingle(VIRTIO_BLK, data, 512, Direction.FROM_DEVICE);
      driver.unmapSingle(VIRTIO_BLK, status, 1, Direction.FROM_DEVICE);
      // one PSI (lo 0xf2 | DID 3 << 16, hi addr | AM) + one wait per map and per unmap, one IQT write each
      long[][] psis = {
          {0x300f2, 0xffffe001L}, {0x300f2, 0xffffc001L},
          {0x300f2, 0xffffb000L}, {0x300f2, 0xffffa000L}, {0x300f2, 0xffff9000L}, {0x300f2, 0xffff8000L},
          {0x300f2, 0xffff8000L}, {0x300f2, 0xffffb000L}, {0x300f2, 0xffffa000L}, {0x300f2, 0xffff9000L}};
      assertInvalidationsWithWaits(log, mark, psis);
      assertThat(mmio(log, mark)).hasSize(psis.length).allMatch(a -> a.startsWith("W32 IQT = "));

      // §2: hot-remove 00:01.0 (its two vrings unmapped first, 2 PSIs AM=1), then pci rescan
      mark = log.lastSeq();
      driver.unmapSingle(VIRTIO_BLK, ring1, 0x2000, Direction.BIDIRECTIONAL);
      driver.unmapSingle(VIRTIO_BLK, ring2, 0x2000, Direction.BIDIRECTIONAL);
      driver.detach(VIRTIO_BLK);
      driver.attach(VIRTIO_BLK, "default:" + VIRTIO_BLK);
      assertInvalidationsWithWaits(log, mark, new long[][] {
          {0x300f2, 0xffffe001L}, {0x300f2, 0xffffc001L},
          {0x800030031L, 0}, {0x300e2, 0},
          {0x800000031L, 0}, {0x300e2, 0}, {0x300e2, 0}});
      assertThat(driver.domainId("default:" + VIRTIO_BLK)).as("the freed DID 3 is reused").isEqualTo(3);

      // §1: shutdown: GCMD with only QIE, one GSTS read, no invalidations
      mark = log.lastSeq();
      driver.shutdown();
      assertThat(mmio(log, mark)).containsExactly("W32 GCMD = 0x4000000", "R32 GSTS");
      assertThat(descriptors(log, mark)).isEmpty();
      assertThat(unit.translationEnabled()).isFalse();
    }
  }

  /** Invalidations (lo, hi) after {@code mark}, each followed by its own wait with status data 2. */
  private static void assertInvalidationsWithWaits(EventLog log, long mark, long[][] expected) {
    List<long[]> descs = descriptors(log, mark);
    assertThat(descs).hasSize(2 * expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(descs.get(2 * i)).as("invalidation %d", i).containsExactly(expected[i]);
      assertThat(descs.get(2 * i + 1)[0]).as("wait %d", i).isEqualTo(0x0000000200000025L);
    }
  }

  /** MMIO accesses after {@code mark}: "R64 CAP = v" for CAP/ECAP reads, "R32 NAME" for other reads, "W32 NAME = v". */
  private static List<String> mmio(EventLog log, long mark) {
    List<String> out = new ArrayList<>();
    for (Event e : log.eventsSince(mark)) {
      boolean write = e.kind().equals(MmioBus.EV_WRITE);
      if (!write && !e.kind().equals(MmioBus.EV_READ)) continue;
      int off = ((Number) e.attrs().get("offset")).intValue();
      int size = ((Number) e.attrs().get("size")).intValue();
      String name = Registers.name(off, 0xF, 0x22, 0);
      String text = (write ? "W" : "R") + size * 8 + " " + name;
      long v = e.longAttr("value");
      if (write && (off == Registers.IQA || off == Registers.RTADDR)) {
        assertThat(v & 0xFFF).as("%s: a page, QS=0, DW=0, TTM=00", name).isZero();
        text += " = <page>";
      } else if (write || (out.size() < 2 && mark == 0)) {
        text += " = 0x" + Long.toHexString(v);
      }
      out.add(text);
    }
    return out;
  }

  /** Descriptors the unit fetched after {@code mark}, as {lo, hi}. */
  private static List<long[]> descriptors(EventLog log, long mark) {
    List<long[]> out = new ArrayList<>();
    for (Event e : log.eventsSince(mark)) {
      if (e.kind().equals(InvalidationQueue.EV_DESCRIPTOR)) out.add(new long[] {e.longAttr("lo"), e.longAttr("hi")});
    }
    return out;
  }
}
