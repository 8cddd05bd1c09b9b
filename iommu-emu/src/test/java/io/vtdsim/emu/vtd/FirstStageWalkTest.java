package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import org.junit.jupiter.api.Test;

/**
 * The first-stage walk (VT-d spec 3.6, 9.7; QEMU's vtd_iova_to_fspte) on tables built in guest memory:
 * 4- and 5-level, 2 MiB and 1 GiB leaves, A/D written back, canonical check, U/S, R/W and reserved bits.
 */
class FirstStageWalkTest {
  private static final long MiB = 1L << 20;
  private static final long GiB = 1L << 30;
  private final GuestMemory mem = GuestMemory.flat(64 * MiB);
  private final ScalableTableBuilder tables = new ScalableTableBuilder(mem, 32 * MiB);
  private final FirstStageWalk walk = new FirstStageWalk(mem, 48, true);
  private final long root = tables.firstStageRoot();

  @Test
  void fourKiBReadSetsAccessedOnEveryLevelAndNoDirty() {
    tables.mapFirstStage(root, 4, 0x7f12_3456_7000L, 0x0040_0000L, 4096, true);
    FirstStageWalk.Result r = walk.walk(root, 4, 0x7f12_3456_7abcL, false);
    assertThat(r.ok()).isTrue();
    assertThat(r.address()).isEqualTo(0x0040_0abcL);
    assertThat(r.pageSize()).isEqualTo(4096);
    assertThat(r.writable()).isTrue();
    assertThat(r.entries()).isEqualTo(4);
    for (int level = 4; level >= 1; level--) {
      long e = mem.read64(tables.firstStageEntry(root, 4, 0x7f12_3456_7000L, level));
      assertThat(e & FirstStagePte.A).as("A at level %d", level).isNotZero();
      assertThat(e & FirstStagePte.D).as("D at level %d", level).isZero();
    }
    // the leaf as the walk left it: Linux's 0x...025 form plus R/W (0x27)
    assertThat(mem.read64(tables.firstStageEntry(root, 4, 0x7f12_3456_7000L, 1))).isEqualTo(0x0040_0027L);
  }

  @Test
  void writeSetsDirtyInTheLeafOnly() {
    tables.mapFirstStage(root, 4, 0x1000, 0x0050_0000L, 4096, true);
    assertThat(walk.walk(root, 4, 0x1008, true).address()).isEqualTo(0x0050_0008L);
    assertThat(mem.read64(tables.firstStageEntry(root, 4, 0x1000, 1))).isEqualTo(0x0050_0067L);
    long pde = mem.read64(tables.firstStageEntry(root, 4, 0x1000, 2));
    assertThat(pde & (FirstStagePte.A | FirstStagePte.D)).isEqualTo(FirstStagePte.A);
  }

  @Test
  void twoMiBLeafKeepsItsPatBitOutOfTheAddress() {
    tables.mapFirstStage(root, 4, 0x4020_0000L, 0x0080_0000L, 2 * MiB, false);
    long pde = tables.firstStageEntry(root, 4, 0x4020_0000L, 2);
    mem.write64(pde, mem.read64(pde) | 1L << 12); // PAT of a large page
    FirstStageWalk.Result r = walk.walk(root, 4, 0x4021_2345L, false);
    assertThat(r.address()).isEqualTo(0x0081_2345L);
    assertThat(r.pageSize()).isEqualTo(2 * MiB);
    assertThat(r.writable()).isFalse();
    assertThat(r.entries()).isEqualTo(3);
  }

  @Test
  void oneGiBLeafOnlyWithFs1gp() {
    tables.mapFirstStage(root, 4, 0x40_0000_0000L, 0, GiB, true);
    FirstStageWalk.Result r = walk.walk(root, 4, 0x40_1234_5678L, true);
    assertThat(r.address()).isEqualTo(0x1234_5678L);
    assertThat(r.pageSize()).isEqualTo(GiB);
    // CAP.FS1GP = 0: PS in a PDPE is reserved (QEMU's fs1gp=off)
    assertThat(new FirstStageWalk(mem, 48, false).walk(root, 4, 0x40_1234_5678L, false).fault())
        .isEqualTo(FaultReason.FIRST_STAGE_RESERVED);
  }

  @Test
  void fiveLevelWalkUsesBits56To48() {
    long iova = 0x00AB_0000_0000_1000L; // PML5 index = bits 56:48 = 0xAB, beyond what 4 levels reach
    tables.mapFirstStage(root, 5, iova, 0x0060_0000L, 4096, true);
    FirstStageWalk.Result r = walk.walk(root, 5, iova | 0x10, false);
    assertThat(r.address()).isEqualTo(0x0060_0010L);
    assertThat(r.entries()).isEqualTo(5);
    assertThat(mem.read64(root + 8L * 0xAB) & FirstStagePte.A).isNotZero();
  }

  @Test
  void canonicalCheckPerPagingMode() {
    assertThat(FirstStageWalk.canonical(0x0000_7FFF_FFFF_F000L, 4)).isTrue();
    assertThat(FirstStageWalk.canonical(0xFFFF_8000_0000_0000L, 4)).isTrue();
    assertThat(FirstStageWalk.canonical(0x0000_8000_0000_0000L, 4)).isFalse();
    assertThat(FirstStageWalk.canonical(0x0000_8000_0000_0000L, 5)).isTrue();
    assertThat(FirstStageWalk.canonical(0x0100_0000_0000_0000L, 5)).isFalse();
    assertThat(FirstStageWalk.canonical(0xFF00_0000_0000_0000L, 5)).isTrue();
    FirstStageWalk.Result r = walk.walk(root, 4, 0x0000_8000_0000_0000L, false);
    assertThat(r.fault()).isEqualTo(FaultReason.FIRST_STAGE_NON_CANONICAL);
    assertThat(r.entries()).isZero();
    // the upper canonical half walks PML4 slot 256
    tables.mapFirstStage(root, 4, 0xFFFF_8000_0000_0000L, 0x0070_0000L, 4096, true);
    assertThat(walk.walk(root, 4, 0xFFFF_8000_0000_0004L, false).address()).isEqualTo(0x0070_0004L);
    assertThat(mem.read64(root + 8L * 256) & FirstStagePte.P).isNotZero();
  }

  @Test
  void notPresentAtEachLevel() {
    assertThat(walk.walk(root, 4, 0x1000, false)).isEqualTo(new FirstStageWalk.Result(0, 0, false,
        FaultReason.FIRST_STAGE_NOT_PRESENT, 1));
    tables.mapFirstStage(root, 4, 0x1000, 0x0050_0000L, 4096, true);
    assertThat(walk.walk(root, 4, 0x2000, false)).isEqualTo(new FirstStageWalk.Result(0, 0, false,
        FaultReason.FIRST_STAGE_NOT_PRESENT, 4));
  }

  @Test
  void supervisorOnlyEntryDeniesAUserRequestAnywhereOnThePath() {
    tables.mapFirstStage(root, 4, 0x1000, 0x0050_0000L, 4096, true);
    long pdpe = tables.firstStageEntry(root, 4, 0x1000, 3);
    mem.write64(pdpe, mem.read64(pdpe) & ~FirstStagePte.US);
    FirstStageWalk.Result r = walk.walk(root, 4, 0x1000, false);
    assertThat(r.fault()).isEqualTo(FaultReason.FIRST_STAGE_PRIVILEGE);
    assertThat(r.entries()).isEqualTo(2);
    // the PML4E passed its checks and got A; the faulting PDPE did not
    assertThat(mem.read64(root) & FirstStagePte.A).isNotZero();
    assertThat(mem.read64(pdpe) & FirstStagePte.A).isZero();
  }

  @Test
  void readOnlyTableDeniesWritesBelowItButNotReads() {
    tables.mapFirstStage(root, 4, 0x1000, 0x0050_0000L, 4096, true);
    long pde = tables.firstStageEntry(root, 4, 0x1000, 2);
    mem.write64(pde, mem.read64(pde) & ~FirstStagePte.RW);
    assertThat(walk.walk(root, 4, 0x1000, true).fault()).isEqualTo(FaultReason.SCALABLE_WRITE_DENIED);
    FirstStageWalk.Result read = walk.walk(root, 4, 0x1000, false);
    assertThat(read.ok()).isTrue();
    assertThat(read.writable()).isFalse();
    assertThat(mem.read64(tables.firstStageEntry(root, 4, 0x1000, 1)) & FirstStagePte.D).isZero();
  }

  @Test
  void reservedBits() {
    tables.mapFirstStage(root, 4, 0x1000, 0x0050_0000L, 4096, true);
    long pte = tables.firstStageEntry(root, 4, 0x1000, 1);
    long good = mem.read64(pte);
    mem.write64(pte, good | 1L << 51); // address bit above HAW 48
    assertThat(walk.walk(root, 4, 0x1000, false).fault()).isEqualTo(FaultReason.FIRST_STAGE_RESERVED);
    assertThat(new FirstStageWalk(mem, 52, true).walk(root, 4, 0x1000, false).ok()).isTrue();
    mem.write64(pte, good | FirstStagePte.XD | 1L << 55); // XD and ignored bits 62:52 are not reserved
    assertThat(walk.walk(root, 4, 0x1000, false).ok()).isTrue();
    mem.write64(root, mem.read64(root) | FirstStagePte.PS); // PS in a PML4E
    assertThat(walk.walk(root, 4, 0x1000, false).fault()).isEqualTo(FaultReason.FIRST_STAGE_RESERVED);
  }

  @Test
  void twoMiBLeafWithSubPageAddressBitsIsReserved() {
    tables.mapFirstStage(root, 4, 0x20_0000L, 0x0080_0000L, 2 * MiB, true);
    long pde = tables.firstStageEntry(root, 4, 0x20_0000L, 2);
    mem.write64(pde, mem.read64(pde) | 1L << 13);
    assertThat(walk.walk(root, 4, 0x20_0000L, false).fault()).isEqualTo(FaultReason.FIRST_STAGE_RESERVED);
  }

  @Test
  void unreadableTableAndSelfReferencingTableTerminate() {
    mem.write64(root, 0x1_0000_0000L | ScalableTableBuilder.TABLE_FLAGS); // beyond the 64 MiB of RAM
    assertThat(walk.walk(root, 4, 0x1000, false)).isEqualTo(new FirstStageWalk.Result(0, 0, false,
        FaultReason.FIRST_STAGE_ENTRY_UNREADABLE, 1));
    mem.write64(root, root | ScalableTableBuilder.TABLE_FLAGS); // PML4[0] points at the PML4 itself
    FirstStageWalk.Result r = walk.walk(root, 4, 0, false);
    assertThat(r.entries()).isEqualTo(4);
    assertThat(r.address()).isEqualTo(root); // at level 1 the same entry is a 4 KiB leaf
  }

  @Test
  void misuse() {
    assertThatThrownBy(() -> walk.walk(root, 3, 0, false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FirstStageWalk((GuestMemory) null, 48, true)).isInstanceOf(IllegalArgumentException.class);
  }
}
