package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.harness.machine.QemuMachine;
import io.vtdsim.harness.qemu.RecordingListener.Dma;
import io.vtdsim.harness.testbed.TestBed;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What QEMU 11.1 does with {@code scalable-mode=on,fsts=on} and a vfio-user device, which has no
 * host IOMMU (no iommufd HostIOMMUDevice) to nest the guest's first stage on. QEMU starts: the
 * device keeps QEMU's IOMMU region (vtd_switch_address_space sticks to system memory only for an
 * iommufd-backed device, vtd_find_hiod_iommufd), so the vfio listener registers its MAP notifier as
 * for any shadowed device. But QEMU only shadows a first-stage table on a full sync:
 * <ul>
 *   <li>page-selective invalidations never walk: vtd_iotlb_page_invalidate_notify syncs only
 *       {@code if (!s->fsts || !s->root_scalable)} — both the IOTLB PSI (type 2) and the PASID-based
 *       PSI (type 6, vtd_piotlb_page_invalidate) end there;
 *   <li>the PASID-based invalidation of a whole PASID (vtd_piotlb_pasid_invalidate) syncs only
 *       {@code if (!s->fsts || !vtd_as_has_map_notifier(vtd_as))};
 *   <li>a domain-selective (or global) IOTLB invalidation, a context- or PASID-cache invalidation
 *       that changes the entry, TE and SRTP do sync (vtd_address_space_sync → vtd_page_walk), and
 *       the walk reads the first-stage table (vtd_get_iova_pgtbl_base, vtd_get_iova_level: FSPTPTR,
 *       4 levels) with second-stage semantics (vtd_page_walk_level: bit 0 as R, bit 1 as W).
 * </ul>
 * QEMU's own translation of the device's DMA (VFIO_USER_DMA_READ, vtd_iova_to_fspte) follows the
 * guest's first-stage table at once. So the host's mappings — what a real assigned device would
 * reach — lag the guest: a page mapped with a PASID-based PSI (all Linux sends for a first-stage
 * domain: qi_flush_piotlb) is not mapped for the host, and a page unmapped with one stays mapped
 * for the host until the next full sync.
 */
@Tag("qemu")
class QemuScalableFirstStageTest {
  static final String NIC = "nic";
  static final int SID = 0x0008; // 00:01.0
  static final int DID = 1;
  static final long IOVA = 0xA000000L;
  static final long GPA = 0x300000L;
  static final long OTHER_GPA = 0x500000L; // above QemuGuest's table pool (0x400000) and queue

  private final RecordingListener listener = new RecordingListener();
  private QemuSession session;
  private QemuGuest g;
  private long fs;

  @AfterEach
  void close() {
    if (session != null) session.close();
  }

  /** A first-stage PASID 0 (PGTT 001b, 4-level, DID 1) over an empty PML4, the queue and root, TE on. */
  private void firstStageGuest() {
    session = QemuSession.start(QemuTests.installation(), new QemuMachineOptions(48, true, 256L << 20,
        List.of(new QemuDevice(NIC, 0, 1, 0, true))).withScalableMode(true, true), listener);
    g = new QemuGuest(session, 48, true);
    long dir = g.smTables.pasidContext(SID, 0, 0);
    fs = g.smTables.firstStageRoot();
    g.smTables.pasidEntry(dir, 0, PasidTableEntry.firstStage(DID, fs, false, 2));
    g.bringUp();
    int m = listener.mark();
    g.translation(true);
    // the nodmar RAM alias goes, as in every mode: QEMU's IOMMU region is what the device uses
    assertThat(listener.since(m)).containsExactly(Dma.unmap(NIC, 0x0, 0xc0000), Dma.unmap(NIC, 0xc0000, 0x20000),
        Dma.unmap(NIC, 0xe0000, 0x20000), Dma.unmap(NIC, 0x100000, 0xff00000), Dma.unmap(NIC, 0xfffc0000L, 0x40000));
  }

  @Test
  void qemuStartsWithAnAssignedDeviceAndOffersFirstStage() {
    firstStageGuest();
    assertThat(session.alive()).isTrue();
    assertThat(listener.messages()).anyMatch(s -> s.startsWith(NIC + " recv VERSION"));
    assertThat(g.regs.read(Registers.ECAP, 8)).isEqualTo(0x0000880000000f42L);
    assertThat(session.stderrTail(20)).doesNotContain("error");
  }

  @Test
  void pageSelectiveInvalidationsSendNoMapButQemusOwnDmaTranslates() {
    firstStageGuest();
    g.smTables.mapFirstStage(fs, 4, IOVA, GPA, 4096, true);
    int m = listener.mark();
    g.pasidPsi(DID, 0, IOVA, 0);
    g.psi(DID, IOVA, 0);
    assertThat(listener.since(m)).as("P_IOTLB PSI and IOTLB PSI: no walk under fsts=on").isEmpty();
    assertThat(session.dmaMappings(NIC)).doesNotContainKey(IOVA);

    byte[] bytes = "first stage ok!!".getBytes(StandardCharsets.US_ASCII);
    g.mem.write(GPA, bytes);
    DmaAccess read = session.dmaRead(NIC, IOVA, bytes.length);
    assertThat(read.ok()).as("QEMU translates the device's DMA through the first stage itself").isTrue();
    assertThat(read.data()).isEqualTo(bytes);

    m = listener.mark();
    g.dsi(DID);
    assertThat(listener.since(m)).as("a domain-selective invalidation walks the first-stage table")
        .containsExactly(Dma.map(NIC, IOVA, GPA, 0x1000, true, true));
  }

  @Test
  void anUnmappedPageStaysMappedForTheHostUntilAFullSync() {
    firstStageGuest();
    g.smTables.mapFirstStage(fs, 4, IOVA, GPA, 4096, true);
    g.dsi(DID);
    assertThat(session.dmaMappings(NIC)).containsKey(IOVA);

    g.mem.write64(g.smTables.firstStageEntry(fs, 4, IOVA, 1), 0);
    int m = listener.mark();
    g.pasidPsi(DID, 0, IOVA, 0);
    g.pasidInvalidate(DID, 0);
    assertThat(listener.since(m)).as("neither the PSI nor the whole-PASID invalidation unmaps").isEmpty();
    assertThat(session.dmaMappings(NIC)).as("the host still maps the page").containsKey(IOVA);

    // QEMU's own translation already faults: fault reason 0x71, first-stage entry not present (VTD_FR_FS_PAGING_ENTRY_P)
    DmaAccess fault = session.dmaRead(NIC, IOVA, 16);
    assertThat(fault.ok()).isFalse();
    assertThat(fault.errno()).isEqualTo(19);
    int frcd = Capability.decode(g.regs.read(Registers.CAP, 8)).fro() * 16;
    FaultRecord r = FaultRecord.decode(g.regs.read(frcd, 8), g.regs.read(frcd + FaultRecord.HI_OFFSET, 8));
    assertThat(r.reason()).isEqualTo(0x71);
    assertThat(r.pageAddress()).isEqualTo(IOVA);

    m = listener.mark();
    g.dsi(DID);
    assertThat(listener.since(m)).containsExactly(Dma.unmap(NIC, IOVA, 0x1000));
    assertThat(session.dmaMappings(NIC)).doesNotContainKey(IOVA);
  }

  /**
   * CAP.MAMV bounds a PASID-based PSI too: AM 18 (MAMV) executes and invalidates QEMU's IOTLB, AM 19
   * is an IQE — although Linux's first-stage qi_flush_piotlb sends AM up to the range's size with no
   * MAMV fallback (a 2 GiB unaligned unmap gives AM 19). The model's unit answers the same under
   * both fidelities (InvalidationQueue, ScalableModeUnitTest).
   */
  @Test
  void aPasidBasedPsiUpToMamvInvalidatesAndBeyondItIsAnIqe() {
    firstStageGuest();
    assertThat(Capability.decode(g.regs.read(Registers.CAP, 8)).mamv()).isEqualTo(18);
    g.smTables.mapFirstStage(fs, 4, IOVA, GPA, 4096, true);
    byte[] before = "page at 0x300000".getBytes(StandardCharsets.US_ASCII);
    byte[] after = "page at 0x500000".getBytes(StandardCharsets.US_ASCII);
    g.mem.write(GPA, before);
    g.mem.write(OTHER_GPA, after);
    DmaAccess first = session.dmaRead(NIC, IOVA, 16);
    assertThat(first.ok()).as("errno %d", first.errno()).isTrue();
    assertThat(first.data()).isEqualTo(before); // fills QEMU's IOTLB
    g.smTables.mapFirstStage(fs, 4, IOVA, OTHER_GPA, 4096, true); // retarget the leaf
    assertThat(session.dmaRead(NIC, IOVA, 16).data()).as("QEMU's IOTLB still answers").isEqualTo(before);

    g.pasidPsi(DID, 0, 0, 18); // 2^18 pages from 0: [0, 1 GiB); the wait completes
    assertThat(g.regs.read(Registers.FSTS, 4) & FaultStatus.IQE).isZero();
    assertThat(session.dmaRead(NIC, IOVA, 16).data()).as("the entry was invalidated").isEqualTo(after);

    assertThatThrownBy(() -> g.pasidPsi(DID, 0, 0, 19)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not completed");
    assertThat(g.regs.read(Registers.FSTS, 4) & FaultStatus.IQE).as("AM 19 > MAMV 18").isNotZero();
  }

  /** A read-only, supervisor-only first-stage page: the walk reads bit 1 (R/W) as W and ignores U/S. */
  @Test
  void theShadowWalkReadsFirstStageEntriesAsSecondStageOnes() {
    firstStageGuest();
    g.smTables.mapFirstStage(fs, 4, IOVA, GPA, 4096, false);
    long leaf = g.smTables.firstStageEntry(fs, 4, IOVA, 1);
    g.mem.write64(leaf, GPA | 0x1); // P only: no R/W, no U/S
    int m = listener.mark();
    g.dsi(DID);
    assertThat(listener.since(m)).containsExactly(Dma.map(NIC, IOVA, GPA, 0x1000, true, false));
    // QEMU's own translation refuses the supervisor-only page (vtd_iova_to_fspte: VTD_FR_FS_PAGING_ENTRY_US)
    DmaAccess read = session.dmaRead(NIC, IOVA, 16);
    assertThat(read.ok()).isFalse();
    int frcd = Capability.decode(g.regs.read(Registers.CAP, 8)).fro() * 16;
    FaultRecord r = FaultRecord.decode(g.regs.read(frcd, 8), g.regs.read(frcd + FaultRecord.HI_OFFSET, 8));
    assertThat(r.reason()).as("fault reason 0x81, privilege violation").isEqualTo(0x81);
  }

  /**
   * On the backend (preset qemu-11.1-sm-fsts) the lag is what an assigned device sees: after the
   * guest unmapped its page with a PASID-based PSI, the host container still maps it and the
   * device's DMA through the container still reaches the guest page.
   */
  @Test
  void onTheBackendTheAssignedDeviceStillReachesTheUnmappedPage() {
    QemuTests.installation();
    var config = TestBed.builder().backend("qemu").machine("qemu-11.1-sm-fsts").fidelity("qemu").ram(256L << 20)
        .assigned(NIC, "00:01.0").config();
    try (QemuMachine machine = QemuMachine.start(config, new EventLog(new Clock()), MsiSink.NONE)) {
      QemuGuest guest = new QemuGuest(machine.memory(), QemuTests.vtdRegisters(machine.bus(), config.vtdConfig().mmioBase()), 48, true);
      long dir = guest.smTables.pasidContext(SID, 0, 0);
      long pml4 = guest.smTables.firstStageRoot();
      guest.smTables.pasidEntry(dir, 0, PasidTableEntry.firstStage(DID, pml4, false, 2));
      guest.bringUp();
      guest.translation(true);
      guest.smTables.mapFirstStage(pml4, 4, IOVA, GPA, 4096, true);
      guest.pasidPsi(DID, 0, IOVA, 0);
      assertThat(machine.hosts().get(NIC).mappings()).as("mapped with a PSI: not for the host").isEmpty();
      guest.dsi(DID);
      assertThat(machine.hosts().get(NIC).mappings()).containsExactly(new HostMapping(IOVA, GPA, 0x1000, true, true));

      guest.mem.write64(guest.smTables.firstStageEntry(pml4, 4, IOVA, 1), 0);
      guest.pasidPsi(DID, 0, IOVA, 0);
      byte[] secret = "freed guest page".getBytes(StandardCharsets.US_ASCII);
      machine.memory().write(GPA, secret);
      DmaResult stale = machine.device(NIC).read(IOVA, secret.length);
      assertThat(stale.ok()).as("the host mapping outlives the guest's unmap").isTrue();
      assertThat(stale.data()).isEqualTo(secret);
    }
  }
}
