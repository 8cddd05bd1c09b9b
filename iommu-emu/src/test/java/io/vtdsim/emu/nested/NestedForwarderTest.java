package io.vtdsim.emu.nested;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.device.NestedAssignedDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The unit with a first-stage guest and an assigned device behind a nested HWPT: the guest programs
 * the unit over MMIO and a 256-bit queue; PASID-cache invalidations bind and unbind the host table,
 * PASID-based IOTLB invalidations are forwarded one request each, and the host's translation is the
 * guest's stage 1 composed with the VMM's stage 2 — stale exactly while a forwarded invalidation is
 * missing.
 */
class NestedForwarderTest {
  private static final long MiB = 1L << 20;
  private static final int SID = 0x0018;
  private static final int DID = 2;
  private static final long QUEUE = 0x0300_0000L;
  private static final long IOVA = 0x0010_0000L;
  private static final long PAGE_A = 0x0020_0000L;
  private static final long PAGE_B = 0x0030_0000L;

  private final VtdConfig config = VtdConfig.preset("qemu-11.1-sm-fsts", 48);
  private final GuestMemory mem = GuestMemory.flat(64 * MiB);
  private final EventLog log = new EventLog(new Clock());
  private final MmioBus bus = new MmioBus(log);
  private final VtdUnit unit = new VtdUnit(config, mem, log, (address, data) -> {});
  private final ScalableTableBuilder tables = new ScalableTableBuilder(mem, 0x0100_0000L);
  private final HostContainer stage2 = new HostContainer("nic-s2", HostSemantics.IOMMUFD, mem, log);
  private final NestedHwpt hwpt = new NestedHwpt("nic", stage2, mem, log, 48, true, 1024);
  private final NestedForwarder forwarder = new NestedForwarder(mem, config);
  private final long directory = tables.pasidContext(SID, 0, 0);
  private final long fsRoot = tables.firstStageRoot();
  private int tail;

  NestedForwarderTest() {
    bus.map(config.mmioBase(), unit);
    stage2.map(0, 0, 64 * MiB, true, true); // the VMM's stage 2: guest RAM as it is
    forwarder.attach(SID, hwpt);
    unit.addObserver(forwarder);
    tables.mapFirstStage(fsRoot, 4, IOVA, PAGE_A, 4096, true);
    tables.pasidEntry(directory, 0, PasidTableEntry.firstStage(DID, fsRoot, false, 2));
  }

  @AfterEach
  void close() {
    unit.close();
  }

  private void w64(int offset, long v) {
    bus.write64(config.mmioBase() + offset, v);
  }

  private void boot() {
    w64(Registers.RTADDR, new RootTableAddress(tables.rootTable(), RootTableAddress.Mode.SCALABLE).encode());
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.SRTP);
    w64(Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, true, 0));
    w64(Registers.IQT, 0);
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.QIE);
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.QIE | GlobalCommand.TE);
  }

  private void submit(InvalidationDescriptor... ds) {
    for (InvalidationDescriptor d : ds) {
      long a = QUEUE + tail * 32L;
      mem.write64(a, d.lo());
      mem.write64(a + 8, d.hi());
      mem.write64(a + 16, 0);
      mem.write64(a + 24, 0);
      tail++;
    }
    w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, true));
  }

  private int forwarded() {
    return log.eventsOfKind(NestedHwpt.INVALIDATE).size();
  }

  @Test
  void enablingTranslationBindsTheGuestTableAndDmaUsesIt() {
    assertThat(hwpt.bound()).isFalse();
    boot();
    assertThat(hwpt.pgtblAddr()).isEqualTo(fsRoot);
    assertThat(hwpt.access(IOVA + 4, true).address()).isEqualTo(PAGE_A + 4);
    // the guest's new mappings need no invalidation to work (nothing is shadowed): map and DMA
    tables.mapFirstStage(fsRoot, 4, IOVA + 0x1000, PAGE_B, 4096, true);
    assertThat(hwpt.access(IOVA + 0x1000, false).address()).isEqualTo(PAGE_B);
    assertThat(forwarded()).isZero();
  }

  @Test
  void aRetargetedPteIsStaleInTheHostUntilItsPasidBasedInvalidationIsForwarded() {
    boot();
    hwpt.access(IOVA, false);
    tables.mapFirstStage(fsRoot, 4, IOVA, PAGE_B, 4096, true);
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_A); // the window: stale in the host
    submit(IotlbInvalidation.page(DID, IOVA, 0, false, false, false)); // legacy PSI: not forwarded
    submit(PasidIotlbInvalidation.page(DID + 1, 0, IOVA, 0, false)); // another domain: not forwarded
    assertThat(forwarded()).isZero();
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_A);
    submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 0, true));
    assertThat(forwarded()).isEqualTo(1);
    assertThat(log.eventsOfKind(NestedHwpt.INVALIDATE).get(0).attrs())
        .containsEntry("addr", IOVA).containsEntry("npages", 1L).containsEntry("flags", NestedHwpt.INV_FLAGS_LEAF);
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_B);
    // one request per descriptor, PASID-selective as {0, all}
    submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 2, false), PasidIotlbInvalidation.pasid(DID, 0));
    assertThat(forwarded()).isEqualTo(3);
    assertThat(log.eventsOfKind(NestedHwpt.INVALIDATE).get(2).attrs()).containsEntry("npages", NestedHwpt.ALL_PAGES);
  }

  @Test
  void pasidCacheInvalidationsRebindAndUnbind() {
    boot();
    long other = tables.firstStageRoot();
    tables.mapFirstStage(other, 4, IOVA, PAGE_B, 4096, true);
    tables.pasidEntry(directory, 0, PasidTableEntry.firstStage(DID, other, false, 2));
    assertThat(hwpt.pgtblAddr()).isEqualTo(fsRoot); // not yet told
    submit(PasidCacheInvalidation.pasid(DID, 0));
    assertThat(hwpt.pgtblAddr()).isEqualTo(other);
    assertThat(hwpt.access(IOVA, false).address()).isEqualTo(PAGE_B);
    mem.write64(tables.pasidEntryAddress(directory, 0), 0); // the guest tears the PASID entry down
    submit(PasidCacheInvalidation.global());
    assertThat(hwpt.bound()).isFalse();
    assertThat(hwpt.access(IOVA, false).fault()).isEqualTo(FaultReason.PASID_ENTRY_NOT_PRESENT);
  }

  @Test
  void aSecondStageEntryIsNotNestedAndTranslationOffUnbinds() {
    boot();
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.QIE); // TE off
    assertThat(hwpt.bound()).isFalse();
    tables.pasidEntry(directory, 0, PasidTableEntry.passThrough(DID));
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.QIE | GlobalCommand.TE);
    assertThat(hwpt.bound()).isFalse();
  }

  @Test
  void anAssignedDeviceDmasThroughStageOneThenStageTwoAndAClearedPteStaysReachableUntilItsPsiIsForwarded() {
    // a second HWPT whose stage 2 moves one guest page: GPA PAGE_A is backed by PAGE_B (the VMM's choice)
    HostContainer moved = new HostContainer("gpu-s2", HostSemantics.IOMMUFD, mem, log);
    moved.map(0, 0, PAGE_A, true, true);
    moved.map(PAGE_A, PAGE_B, 4096, true, true);
    moved.map(PAGE_A + 4096, PAGE_A + 4096, 64 * MiB - PAGE_A - 4096, true, true);
    int gpuSid = 0x0020;
    NestedHwpt gpuHwpt = new NestedHwpt("gpu", moved, mem, log, 48, true, 1024);
    forwarder.attach(gpuSid, gpuHwpt);
    long gpuDir = tables.pasidContext(gpuSid, 0, 0);
    tables.pasidEntry(gpuDir, 0, PasidTableEntry.firstStage(DID, fsRoot, false, 2)); // the same guest stage 1
    NestedAssignedDevice gpu = new NestedAssignedDevice("gpu", SourceId.of(gpuSid), gpuHwpt, mem, log);
    boot();
    byte[] data = {1, 2, 3, 4};
    assertThat(gpu.write(IOVA + 0x10, data).ok()).isTrue();
    // stage 1 IOVA → PAGE_A, stage 2 PAGE_A → PAGE_B: the bytes land at PAGE_B, PAGE_A is untouched
    assertThat(mem.read(PAGE_B + 0x10, 4)).containsExactly(data);
    assertThat(mem.read(PAGE_A + 0x10, 4)).containsExactly(new byte[4]);
    // the guest clears the PTE and (wrongly) forwards nothing yet: the host IOTLB still reaches PAGE_B
    mem.write64(tables.firstStageEntry(fsRoot, 4, IOVA, 1), 0);
    DmaResult stale = gpu.read(IOVA + 0x10, 4);
    assertThat(stale.ok()).isTrue();
    assertThat(stale.data()).containsExactly(data);
    submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 0, false));
    DmaResult after = gpu.read(IOVA + 0x10, 4);
    assertThat(after.ok()).isFalse();
    assertThat(after.detail()).contains(FaultReason.FIRST_STAGE_NOT_PRESENT.toString());
  }

  @Test
  void translationOffOrPassThroughAttachesTheParentAndLegacyModeBlocks() {
    NestedAssignedDevice nic = new NestedAssignedDevice("nic", SourceId.of(SID), hwpt, mem, log);
    assertThat(hwpt.attachment()).isEqualTo(NestedHwpt.Attachment.BLOCKED);
    // SRTP of a legacy root with TE off: the nesting parent, guest-physical addresses as they are
    w64(Registers.RTADDR, new RootTableAddress(tables.rootTable(), RootTableAddress.Mode.LEGACY).encode());
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.SRTP);
    assertThat(hwpt.attachment()).isEqualTo(NestedHwpt.Attachment.PARENT);
    assertThat(nic.write(PAGE_A, new byte[] {7}).ok()).isTrue();
    assertThat(mem.read(PAGE_A, 1)).containsExactly((byte) 7);
    // TE on in legacy mode: no guest stage 1 to bind, the device is blocked
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.TE);
    assertThat(hwpt.attachment()).isEqualTo(NestedHwpt.Attachment.BLOCKED);
    assertThat(nic.write(PAGE_A, new byte[] {8}).ok()).isFalse();
    assertThat(log.eventsOfKind(NestedHwpt.BIND)).extracting(e -> e.attrs().get("attach")).containsExactly("parent", "blocked");
  }
}
