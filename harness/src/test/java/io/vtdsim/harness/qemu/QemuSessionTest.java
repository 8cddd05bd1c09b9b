package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.harness.qemu.RecordingListener.Dma;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real QEMU 11.1's caching-mode shadow seen from the vfio-user server. Expected values are the
 * measurements of QEMU 11.1.3 driven this way (qtest + a vfio-user server).
 */
@Tag("qemu")
class QemuSessionTest {
  static final String NIC = "nic";
  static final int SID = 0x0008; // 00:01.0
  static final int DID = 1;
  static final long IOVA = 0xA000000L;
  static final long GPA = 0x300000L;

  private final RecordingListener listener = new RecordingListener();
  private QemuSession session;

  @AfterEach
  void close() {
    if (session != null) session.close();
  }

  private QemuGuest start(int awBits) {
    QemuInstallation q = QemuTests.installation();
    session = QemuSession.start(q, new QemuMachineOptions(awBits, true, 256L << 20,
        List.of(new QemuDevice(NIC, 0, 1, 0, true))), listener);
    return new QemuGuest(session, awBits);
  }

  /** Root, context (SID 00:01.0, DID 1), empty top-level table, QI, TE on. */
  private long translating(QemuGuest g) {
    long top = g.tables.multiLevelContext(SID, DID, g.agaw());
    g.bringUp();
    g.translation(true);
    return top;
  }

  @ParameterizedTest
  @CsvSource({"48, 0x80d2008c222f0686", "39, 0x80d2008c22260286"})
  void capabilityRegistersAreQemu11s(int awBits, String cap) {
    QemuGuest g = start(awBits);
    assertThat(g.regs.read(Registers.CAP, 8)).isEqualTo(Long.parseUnsignedLong(cap.substring(2), 16));
    assertThat(g.regs.read(Registers.ECAP, 8)).isEqualTo(0xf42L);
    assertThat(session.version()).startsWith("11.");
  }

  @Test
  void onePsiOfOnePteIsOneDmaMapWithTheGpaAsOffset() {
    QemuGuest g = start(48);
    long top = translating(g);
    g.tables.map(top, g.levels, IOVA, GPA, 4096, true, true);

    int m = listener.mark();
    g.psi(DID, IOVA, 0);
    assertThat(listener.since(m)).containsExactly(Dma.map(NIC, IOVA, GPA, 0x1000, true, true));
    assertThat(session.dmaMappings(NIC)).containsKey(IOVA);

    m = listener.mark();
    g.psi(DID, IOVA, 0);
    assertThat(listener.since(m)).as("QEMU's IOVA tree drops an identical mapping").isEmpty();

    g.tables.unmap(top, g.levels, IOVA, 4096);
    m = listener.mark();
    g.psi(DID, IOVA, 0);
    assertThat(listener.since(m)).containsExactly(Dma.unmap(NIC, IOVA, 0x1000));
    assertThat(session.dmaMappings(NIC)).doesNotContainKey(IOVA);
  }

  @Test
  void aSuperpageIsOneTwoMibMap() {
    QemuGuest g = start(48);
    long top = translating(g);
    g.tables.map(top, g.levels, 0xD000000L, 0x800000L, 2L << 20, true, true);

    int m = listener.mark();
    g.psi(DID, 0xD000000L, 9);
    assertThat(listener.since(m)).containsExactly(Dma.map(NIC, 0xD000000L, 0x800000L, 0x200000, true, true));
  }

  @ParameterizedTest
  @CsvSource({"48, 28", "39, 19"})
  void clearingTheContextEntryUnmapsTheWholeSpaceInChunks(int awBits, int chunks) {
    QemuGuest g = start(awBits);
    long top = translating(g);
    g.tables.map(top, g.levels, IOVA, GPA, 4096, true, true);
    g.psi(DID, IOVA, 0);

    g.tables.clearContext(SID);
    int m = listener.mark();
    g.contextInvalidateDevice(DID, SID);
    g.dsi(DID);
    List<Dma> unmaps = listener.since(m);
    assertThat(unmaps).hasSize(chunks).allMatch(d -> d.kind().equals("UNMAP"));
    // power-of-two chunks, each naturally aligned
    assertThat(unmaps).allMatch(d -> Long.bitCount(d.size()) == 1 && (d.iova() & (d.size() - 1)) == 0);
    long covered = unmaps.stream().mapToLong(Dma::size).sum();
    // the whole address width except the interrupt window 0xfee00000-0xfeefffff
    assertThat(covered).isEqualTo((1L << awBits) - 0x100000);
    assertThat(session.dmaMappings(NIC)).isEmpty();
  }

  @Test
  void deviceDmaReadsThroughQemusIommuAndFaultsWhereNothingIsMapped() {
    QemuGuest g = start(48);
    long top = translating(g);
    g.tables.map(top, g.levels, IOVA, GPA, 4096, true, true);
    g.psi(DID, IOVA, 0);
    byte[] bytes = "VTD-OK!!01234567".getBytes(StandardCharsets.US_ASCII);
    g.mem.write(GPA, bytes);

    DmaAccess ok = session.dmaRead(NIC, IOVA, bytes.length);
    assertThat(ok.ok()).isTrue();
    assertThat(ok.data()).isEqualTo(bytes);

    assertThat(g.regs.read(Registers.FSTS, 4)).isZero();
    DmaAccess fault = session.dmaRead(NIC, 0xB000000L, 16);
    assertThat(fault.ok()).isFalse();
    assertThat(fault.errno()).isEqualTo(19); // ENODEV
    assertThat(g.regs.read(Registers.FSTS, 4) & FaultStatus.PPF).isEqualTo(FaultStatus.PPF);
    int frcd = Capability.decode(g.regs.read(Registers.CAP, 8)).fro() * 16;
    FaultRecord r = FaultRecord.decode(g.regs.read(frcd, 8), g.regs.read(frcd + FaultRecord.HI_OFFSET, 8));
    assertThat(r.fault()).isTrue();
    assertThat(r.sid()).isEqualTo(SID);
    assertThat(r.pageAddress()).isEqualTo(0xB000000L);
    assertThat(r.reason()).as("fault reason 6: read of a not-present SL PTE").isEqualTo(6);
  }

  @Test
  void deviceDmaWriteLandsInGuestMemoryAndAReadOnlyPageRefusesIt() {
    QemuGuest g = start(48);
    long top = translating(g);
    g.tables.map(top, g.levels, IOVA, GPA, 4096, true, true);
    g.psi(DID, IOVA, 0);
    byte[] bytes = "written by DMA".getBytes(StandardCharsets.US_ASCII);

    assertThat(session.dmaWrite(NIC, IOVA + 0x10, bytes).ok()).isTrue();
    assertThat(g.mem.read(GPA + 0x10, bytes.length)).isEqualTo(bytes);

    g.tables.map(top, g.levels, IOVA + 0x1000, GPA + 0x1000, 4096, true, false);
    g.psi(DID, IOVA + 0x1000, 0);
    DmaAccess denied = session.dmaWrite(NIC, IOVA + 0x1000, bytes);
    assertThat(denied.ok()).isFalse();
    assertThat(denied.errno()).as("QEMU answers a permission fault as a translation failure").isEqualTo(19);
    assertThat(g.mem.read(GPA + 0x1000, bytes.length)).containsOnly(0);
    int frcd = Capability.decode(g.regs.read(Registers.CAP, 8)).fro() * 16;
    FaultRecord r = FaultRecord.decode(g.regs.read(frcd, 8), g.regs.read(frcd + FaultRecord.HI_OFFSET, 8));
    assertThat(r.read()).isFalse();
    assertThat(r.reason()).as("fault reason 5: write to a read-only SL PTE").isEqualTo(5);
  }

  @Test
  void twoFunctionsOfOneSlotAreBothServed() {
    session = QemuSession.start(QemuTests.installation(), new QemuMachineOptions(48, true, 64L << 20,
        List.of(new QemuDevice("f0", 0, 3, 0, true), new QemuDevice("f1", 0, 3, 1, true))), listener);
    // vendor 0x1234, device 0xbeef: our config space, read by the guest CPU through QEMU
    assertThat(session.qtest().pciConfigRead32(0, 3, 0, 0)).isEqualTo(0xBEEF1234L);
    assertThat(session.qtest().pciConfigRead32(0, 3, 1, 0)).isEqualTo(0xBEEF1234L);
    assertThat(listener.messages()).anyMatch(m -> m.startsWith("f1 recv VERSION"));
  }

  @Test
  void guestRamIsOneMemoryForQemuAndTheJvm() {
    start(48);
    QtestClient q = session.qtest();
    q.write(0x123450, new byte[] {1, 2, 3, 4, 5});
    assertThat(session.memory().read(0x123450, 5)).containsExactly(1, 2, 3, 4, 5);
    session.memory().write64(0x200000, 0x1122334455667788L);
    assertThat(q.readq(0x200000)).isEqualTo(0x1122334455667788L);
    assertThat(q.readb(0x200007)).isEqualTo(0x11);
    assertThat(q.read(0x200000, 3)).containsExactly(0x88, 0x77, 0x66);
  }

  @Test
  void aPsiAcrossTheInterruptWindowIsWalkedPerSection() {
    // QEMU registers the IOMMU region as two sections around 0xfee00000-0xfeefffff (vtd_dev_as MSI
    // alias) and walks each one (vtd_sync_shadow_page_table_range): one MAP per PTE either side
    QemuGuest g = start(48);
    long top = translating(g);
    long below = 0xFEDFF000L, above = 0xFEF00000L;
    g.tables.map(top, g.levels, below, 0x301000L, 4096, true, true);
    g.tables.map(top, g.levels, above, 0x302000L, 4096, true, false);
    int m = listener.mark();
    g.psi(DID, 0xFE000000L, 13); // 32 MiB: 0xfe000000-0xffffffff
    assertThat(listener.since(m)).containsExactlyInAnyOrder(
        Dma.map(NIC, below, 0x301000L, 0x1000, true, true), Dma.map(NIC, above, 0x302000L, 0x1000, true, false));

    g.tables.unmap(top, g.levels, below, 4096);
    g.tables.unmap(top, g.levels, above, 4096);
    m = listener.mark();
    g.psi(DID, 0xFE000000L, 13);
    // vtd_page_walk_one: an UNMAP only where QEMU's IOVA tree holds a mapping
    assertThat(listener.since(m)).containsExactlyInAnyOrder(Dma.unmap(NIC, below, 0x1000), Dma.unmap(NIC, above, 0x1000));
  }

  @Test
  void aRefusedMapLeavesQemuRunning() {
    QemuGuest g = start(48);
    long top = translating(g);
    g.tables.map(top, g.levels, IOVA, GPA, 4096, true, true);
    listener.mapErrno = 17; // EEXIST, as a vfio type1 container answers an overlapping map
    g.psi(DID, IOVA, 0);
    assertThat(session.alive()).isTrue();
    assertThat(session.dmaMappings(NIC)).doesNotContainKey(IOVA);
    // hw/vfio/listener.c vfio_iommu_map_notify reports the failure and goes on
    assertThat(session.stderrTail(5)).contains("vfio_container_dma_map(").contains("= -17 (File exists)");
    assertThat(g.regs.read(Registers.CAP, 8)).isEqualTo(0x80d2008c222f0686L);
  }
}
