package io.vtdsim.harness.machine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.NestedHwpt;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.harness.oracle.Violation;
import io.vtdsim.harness.report.Counters;
import io.vtdsim.harness.testbed.TestBed;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The emulated machine with {@code machine.shadow-sync: nested} (and, for contrast, iova-tree) on the
 * scalable-mode presets, checked by the oracle — with hand-built guest tables and hand-submitted
 * descriptors (no guest driver): the guest's state is written here and the intent told the same, so
 * every expected verdict is worked out from what this test wrote.
 */
class NestedMachineOracleTest {
  private static final int DID = 1;
  private static final long QUEUE = 0x0700_0000L;
  private static final long POOL = 0x0800_0000L;
  private static final long IOVA = 0x0040_0000L;
  private static final long PAGE_A = 0x0020_0000L;
  private static final long PAGE = 4096;

  private TestBed bed;
  private ScalableTableBuilder tables;
  private long directory;
  private int tail;

  private TestBed bed(String preset, String strategy) {
    bed = TestBed.builder().machine(preset).shadowSync(strategy).assigned("nic", "00:03.0").build();
    tables = new ScalableTableBuilder(bed.memory(), POOL);
    directory = tables.pasidContext(bed.sid("nic").sid(), 0, 0);
    bed.intent().attach("nic", "d1");
    return bed;
  }

  @AfterEach
  void close() {
    if (bed != null) bed.close();
  }

  private void w64(int offset, long v) {
    bed.bus().write64(bed.vtdConfig().mmioBase() + offset, v);
  }

  private void boot() {
    long base = bed.vtdConfig().mmioBase();
    w64(Registers.RTADDR, new RootTableAddress(tables.rootTable(), RootTableAddress.Mode.SCALABLE).encode());
    bed.bus().write32(base + Registers.GCMD, GlobalCommand.SRTP);
    w64(Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, true, 0));
    w64(Registers.IQT, 0);
    bed.bus().write32(base + Registers.GCMD, GlobalCommand.QIE);
    bed.bus().write32(base + Registers.GCMD, GlobalCommand.QIE | GlobalCommand.TE);
  }

  private void submit(InvalidationDescriptor d) {
    GuestMemory mem = bed.memory();
    long a = QUEUE + tail * 32L;
    mem.write64(a, d.lo());
    mem.write64(a + 8, d.hi());
    mem.write64(a + 16, 0);
    mem.write64(a + 24, 0);
    tail++;
    w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, true));
  }

  /** A first-stage guest: RID_PASID entry PGTT 001b at a 4-level table with IOVA → PAGE_A writable. */
  private long firstStageGuest() {
    long fs = tables.firstStageRoot();
    tables.mapFirstStage(fs, 4, IOVA, PAGE_A, PAGE, true);
    tables.pasidEntry(directory, 0, PasidTableEntry.firstStage(DID, fs, false, 2));
    bed.intent().map("d1", IOVA, PAGE_A, PAGE, true, true);
    return fs;
  }

  private static List<String> kinds(List<Violation> vs) {
    return vs.stream().map(v -> v.kind().label() + "@0x" + Long.toHexString(v.iova())).toList();
  }

  @Test
  void aCorrectFirstStageGuestUnderNestedIsOkAndItsDmaLandsThroughStageOne() {
    bed("qemu-11.1-sm-fsts", "nested");
    firstStageGuest();
    boot();
    NestedHwpt hwpt = bed.machine().nestedHwpts().get("nic");
    assertThat(hwpt.attachment()).isEqualTo(NestedHwpt.Attachment.NESTED);
    assertThat(bed.check()).isEmpty();
    byte[] data = {9, 8, 7};
    assertThat(bed.device("nic").write(IOVA + 0x40, data).ok()).isTrue();
    assertThat(bed.memory().read(PAGE_A + 0x40, 3)).containsExactly(data);
    assertThat(bed.check()).isEmpty();
    // the VMM mapped guest RAM into stage 2 at start (one call per RAM region); the device went to the
    // parent at SRTP (TE still off) and was bound to the guest table at TE
    assertThat(bed.counters().get(Counters.HOST_MAP)).isEqualTo(bed.memory().regions().size());
    assertThat(bed.counters().get(Counters.NESTED_BINDS)).isEqualTo(2);
    assertThat(bed.counters().get(Counters.WALK_ENTRIES)).isZero();
  }

  @Test
  void aClearedPteWhoseForwardedInvalidationIsSkippedIsStaleUntilItIsSent() {
    bed("qemu-11.1-sm-fsts", "nested");
    long fs = firstStageGuest();
    boot();
    assertThat(bed.device("nic").read(IOVA, 8).ok()).isTrue(); // fills the host IOTLB
    bed.memory().write64(tables.firstStageEntry(fs, 4, IOVA, 1), 0);
    bed.intent().unmap("d1", IOVA, PAGE);
    // no PASID-based invalidation yet: the cached translation still reaches PAGE_A
    assertThat(kinds(bed.check())).containsExactly("stale-mapping@0x400000");
    assertThat(bed.device("nic").read(IOVA, 8).ok()).isTrue();
    submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 0, false));
    assertThat(bed.counters().get(Counters.NESTED_INVALIDATES)).isEqualTo(1);
    assertThat(bed.check()).isEmpty();
    assertThat(bed.device("nic").read(IOVA, 8).ok()).isFalse();
  }

  @Test
  void aFirstStageGuestUnderIovaTreeIsMissingInTheHost() {
    bed("qemu-11.1-sm-fsts", "iova-tree");
    firstStageGuest();
    boot();
    submit(PasidIotlbInvalidation.page(DID, 0, IOVA, 0, false));
    // the guest's stage 1 maps IOVA; the shadow walks second-stage tables only, so the host has nothing
    assertThat(bed.host("nic").mappings()).isEmpty();
    assertThat(kinds(bed.check())).containsExactly("missing-mapping@0x400000");
    assertThat(bed.device("nic").read(IOVA, 8).ok()).isFalse();
  }

  @Test
  void aSecondStageGuestUnderNestedLeavesTheDeviceBlocked() {
    bed("qemu-11.1-sm", "nested");
    TableBuilder ss = tables.secondStage();
    long top = ss.allocPage();
    ss.map(top, 4, IOVA, PAGE_A, PAGE, true, true);
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID, top, 2));
    bed.intent().map("d1", IOVA, PAGE_A, PAGE, true, true);
    boot();
    assertThat(bed.machine().nestedHwpts().get("nic").attachment()).isEqualTo(NestedHwpt.Attachment.BLOCKED);
    assertThat(kinds(bed.check())).containsExactly("missing-mapping@0x400000");
    assertThat(bed.device("nic").read(IOVA, 8).ok()).isFalse();
  }

  @Test
  void translationOffUnderNestedIsTheIdentityOfRamThroughStageTwo() {
    bed("qemu-11.1-sm-fsts", "nested");
    long base = bed.vtdConfig().mmioBase();
    w64(Registers.RTADDR, new RootTableAddress(tables.rootTable(), RootTableAddress.Mode.SCALABLE).encode());
    bed.bus().write32(base + Registers.GCMD, GlobalCommand.SRTP); // SRTP with TE off: attached to stage 2
    assertThat(bed.machine().nestedHwpts().get("nic").attachment()).isEqualTo(NestedHwpt.Attachment.PARENT);
    assertThat(bed.check()).isEmpty();
    assertThat(bed.device("nic").write(PAGE_A, new byte[] {5}).ok()).isTrue();
    assertThat(bed.memory().read(PAGE_A, 1)).containsExactly((byte) 5);
  }
}
