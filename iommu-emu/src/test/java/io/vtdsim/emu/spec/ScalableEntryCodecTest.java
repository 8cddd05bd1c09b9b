package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Scalable-mode root, context, PASID-directory and PASID-table entries and first-stage paging entries
 * (VT-d spec 9.2, 9.4, 9.5, 9.6, 9.7), with the values Linux's helpers write
 * (drivers/iommu/intel/pasid.c, pasid.h, iommu.h) and QEMU's reserved masks.
 */
class ScalableEntryCodecTest {
  @Test
  void rootEntryHalvesServeLowerAndUpperDevfns() {
    ScalableRootEntry r = new ScalableRootEntry(true, 0x5000, true, 0x6000);
    assertThat(r.lo()).isEqualTo(0x5001L);
    assertThat(r.hi()).isEqualTo(0x6001L);
    assertThat(ScalableRootEntry.decode(0x5001L, 0x6000L)).isEqualTo(new ScalableRootEntry(true, 0x5000, false, 0x6000));
    assertThat(ScalableRootEntry.upper(0x7F)).isFalse();
    assertThat(ScalableRootEntry.upper(0x80)).isTrue();
    assertThat(ScalableRootEntry.reservedBitsSet(0x5001L, 48)).isFalse();
    assertThat(ScalableRootEntry.reservedBitsSet(0x5001L | 1 << 11, 48)).isTrue();
    assertThat(ScalableRootEntry.reservedBitsSet(0x5001L | 1L << 48, 48)).isTrue();
    assertThat(ScalableRootEntry.address(0x10000, 2)).isEqualTo(0x10020L);
  }

  @Test
  void contextEntryAsLinuxSetsThePasidTable() {
    // context_entry_set_pasid_table: lo = dir | context_pdts(pds) (pds << 9); rid2pasid 0; DTE bit 2,
    // PASIDE bit 3, PRE bit 4; present bit 0
    ScalableContextEntry plain = ScalableContextEntry.of(0x7000, 0, 0);
    assertThat(plain.encode()).containsExactly(0x7001L, 0L, 0L, 0L);
    ScalableContextEntry full = new ScalableContextEntry(true, false, true, true, true, 3, 0x7000, 0x12345, true);
    assertThat(full.encode()).containsExactly(0x761DL, 0x112345L, 0L, 0L);
    assertThat(ScalableContextEntry.decode(0x761DL, 0x112345L)).isEqualTo(full);
    assertThat(full.directoryEntries()).isEqualTo(1024);
    assertThat(plain.directoryEntries()).isEqualTo(128);
    // 128 entries of 32 bytes per table; devfn 0x83 is entry 3 of the upper table
    assertThat(ScalableContextEntry.address(0x9000, 0x83)).isEqualTo(0x9060L);
  }

  @Test
  void contextEntryReservedBitsAsQemu() {
    // VTD_SM_CONTEXT_ENTRY_RSVD_VAL0(aw) = 0x1e0 | ~HAW mask; VAL1 = 0xffffffffffe00000
    assertThat(ScalableContextEntry.reservedBitsSet(0x7001L, 0, 0, 0, 48)).isFalse();
    for (int b = 5; b <= 8; b++) {
      assertThat(ScalableContextEntry.reservedBitsSet(0x7001L | 1L << b, 0, 0, 0, 48)).as("bit %d", b).isTrue();
    }
    assertThat(ScalableContextEntry.reservedBitsSet(0x7001L | 1L << 48, 0, 0, 0, 48)).isTrue();
    assertThat(ScalableContextEntry.reservedBitsSet(0x7001L, 0x1FFFFFL, 0, 0, 48)).isFalse();
    assertThat(ScalableContextEntry.reservedBitsSet(0x7001L, 1L << 21, 0, 0, 48)).isTrue();
    assertThat(ScalableContextEntry.reservedBitsSet(0x7001L, 0, 1, 0, 48)).isTrue();
    assertThat(ScalableContextEntry.reservedBitsSet(0x7001L, 0, 0, 1L << 63, 48)).isTrue();
  }

  @Test
  void pasidDirectoryEntry() {
    PasidDirectoryEntry d = new PasidDirectoryEntry(true, false, 0x8000);
    assertThat(d.encode()).isEqualTo(0x8001L);
    assertThat(PasidDirectoryEntry.decode(0x8003L)).isEqualTo(new PasidDirectoryEntry(true, true, 0x8000));
    // QEMU VTD_PASID_DIR_INDEX: pasid >> 6, 8-byte entries
    assertThat(PasidDirectoryEntry.index(0x3F)).isZero();
    assertThat(PasidDirectoryEntry.index(0x40)).isEqualTo(1);
    assertThat(PasidDirectoryEntry.address(0x8000, 0x12345)).isEqualTo(0x8000L + (0x12345 >> 6) * 8L);
    assertThat(PasidDirectoryEntry.reservedBitsSet(0x8001L | 1 << 2, 48)).isTrue();
    assertThat(PasidDirectoryEntry.reservedBitsSet(0x8001L, 48)).isFalse();
  }

  @Test
  void firstStagePasidEntryAsLinuxSetsItUp() {
    // intel_pasid_setup_first_level: flptr, flpm (5-level), DID, AW, PGTT 001b (bits 8:6), present
    PasidTableEntry e = PasidTableEntry.firstStage(2, 0x9000, false, 2);
    long[] q = e.encode();
    assertThat(q).hasSize(8);
    assertThat(q[0]).isEqualTo(0x49L); // P | AW 2 << 2 | PGTT 1 << 6
    assertThat(q[1]).isEqualTo(2L);
    assertThat(q[2]).isEqualTo(0x9000L);
    assertThat(PasidTableEntry.firstStage(2, 0x9000, true, 2).encode()[2]).isEqualTo(0x9004L); // FSPM 01b
    assertThat(PasidTableEntry.decode(q[0], q[1], q[2])).isEqualTo(e);
    assertThat(e.firstStageLevels()).isEqualTo(4);
    assertThat(PasidTableEntry.decode(q[0], q[1], 0x9004L).firstStageLevels()).isEqualTo(5);
    assertThat(PasidTableEntry.decode(q[0], q[1], 0x9008L).firstStageLevels()).isZero();
  }

  @Test
  void secondStageAndPassThroughPasidEntries() {
    // intel_pasid_setup_second_level: slptr | AW | PGTT 010b; pass-through: PGTT 100b
    assertThat(PasidTableEntry.secondStage(3, 0xa000, 2).encode()).startsWith(0xa089L, 3L, 0L);
    assertThat(PasidTableEntry.passThrough(1).encode()).startsWith(0x101L, 1L, 0L);
    assertThat(PasidGranularTranslationType.of(3)).isEqualTo(PasidGranularTranslationType.NESTED);
    assertThat(PasidGranularTranslationType.of(0)).isEqualTo(PasidGranularTranslationType.RESERVED);
    assertThat(PasidGranularTranslationType.of(5)).isEqualTo(PasidGranularTranslationType.RESERVED);
  }

  @Test
  void everyPasidEntryFieldSitsAtItsBit() {
    PasidTableEntry all = PasidTableEntry.decode(-1L, -1L, -1L);
    assertThat(all.present()).isTrue();
    assertThat(all.fpd()).isTrue();
    assertThat(all.aw()).isEqualTo(7);
    assertThat(all.ssee()).isTrue();
    assertThat(all.pgtt()).isEqualTo(PasidGranularTranslationType.RESERVED);
    assertThat(all.ssade()).isTrue();
    assertThat(all.did()).isEqualTo(0xFFFF);
    assertThat(all.emt()).isEqualTo(7);
    assertThat(all.pat()).isEqualTo(-1);
    assertThat(all.fspm()).isEqualTo(3);
    assertThat(all.sre() && all.wpe() && all.eafe() && all.pwsnp() && all.pgsnp() && all.cd() && all.emte()
        && all.pwt() && all.pcd()).isTrue();
    // Linux pasid_set_pwsnp bit 23 (val[1]), pasid_set_pgsnp bit 24, pasid_set_sre val[2] bit 0,
    // pasid_set_wpe val[2] bit 4, pasid_set_eafe val[2] bit 7, pasid_set_ssade val[0] bit 9
    assertThat(PasidTableEntry.decode(1, 1L << 23, 0).pwsnp()).isTrue();
    assertThat(PasidTableEntry.decode(1, 1L << 24, 0).pgsnp()).isTrue();
    assertThat(PasidTableEntry.decode(1, 0, 1).sre()).isTrue();
    assertThat(PasidTableEntry.decode(1, 0, 1 << 4).wpe()).isTrue();
    assertThat(PasidTableEntry.decode(1, 0, 1 << 7).eafe()).isTrue();
    assertThat(PasidTableEntry.decode(1 | 1 << 9, 0, 0).ssade()).isTrue();
    assertThat(PasidTableEntry.index(0x41)).isEqualTo(1);
    assertThat(PasidTableEntry.address(0x8000, 0x41)).isEqualTo(0x8040L);
  }

  @Test
  void pasidEntryReservedBits() {
    assertThat(PasidTableEntry.reservedBitsSet(0x49L, 2, 48)).isFalse();
    assertThat(PasidTableEntry.reservedBitsSet(0x49L | 1 << 10, 2, 48)).isTrue();
    assertThat(PasidTableEntry.reservedBitsSet(0x49L, 2 | 1 << 16, 48)).isTrue();
    // SSPTPTR above HAW matters only when a second stage is used
    assertThat(PasidTableEntry.reservedBitsSet(0x89L | 1L << 50, 2, 48)).isTrue();
    assertThat(PasidTableEntry.reservedBitsSet(0x49L | 1L << 50, 2, 48)).isFalse();
    assertThat(PasidTableEntry.firstStage(2, 1L << 48, false, 2).firstStagePointerBeyondHaw(48)).isTrue();
    assertThat(PasidTableEntry.firstStage(2, 1L << 47, false, 2).firstStagePointerBeyondHaw(48)).isFalse();
  }

  @Test
  void firstStagePtesAsLinuxWritesThem() {
    // Linux first-level leaf: DMA_PTE_READ (P) | DMA_PTE_WRITE (R/W) | DMA_FL_PTE_US | _ACCESS | _DIRTY
    // = addr | 0x67 for a writable page, addr | 0x25 read-only; a table pointer addr | 0x27
    FirstStagePte rw = FirstStagePte.decode(0x123067L);
    assertThat(rw.present() && rw.writable() && rw.user() && rw.accessed() && rw.dirty()).isTrue();
    assertThat(rw.address()).isEqualTo(0x123000L);
    FirstStagePte ro = FirstStagePte.decode(0x123025L);
    assertThat(ro.writable()).isFalse();
    assertThat(ro.dirty()).isFalse();
    assertThat(FirstStagePte.user(0x123000, true).encode()).isEqualTo(0x123007L);
    assertThat(FirstStagePte.userLarge(0x200000, false).encode()).isEqualTo(0x200085L);
    assertThat(FirstStagePte.decode(1L << 63 | 0x1001).executeDisable()).isTrue();
    assertThat(FirstStagePte.decode(0x118L)).isEqualTo(new FirstStagePte(false, false, false, true, true, false, false,
        false, true, false, 0));
    assertThat(FirstStagePte.leaf(0x80L, 2)).isTrue();
    assertThat(FirstStagePte.leaf(0x80L, 4)).isFalse();
    assertThat(FirstStagePte.leaf(0, 1)).isTrue();
    // a 2 MiB leaf's bit 12 is PAT, not address
    assertThat(FirstStagePte.addressOf(0x201087L, 2, true)).isEqualTo(0x200000L);
    assertThat(FirstStagePte.addressOf(0x201027L, 2, false)).isEqualTo(0x201000L);
    assertThatThrownBy(() -> FirstStagePte.user(0x123400, true)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void firstStageReservedMasksAsQemu() {
    // VTD_FPTE_PAGE_L4_RSVD_MASK 0x80 | above HAW; LPAGE_L2 0x1fe000 (20:13); LPAGE_L3 0x3fffe000 (29:13)
    assertThat(FirstStagePte.reservedMask(1, false, 48, true)).isEqualTo(0x000F_0000_0000_0000L);
    assertThat(FirstStagePte.reservedMask(4, false, 48, true)).isEqualTo(0x000F_0000_0000_0080L);
    assertThat(FirstStagePte.reservedMask(5, false, 48, true)).isEqualTo(0x000F_0000_0000_0080L);
    assertThat(FirstStagePte.reservedMask(2, true, 48, true)).isEqualTo(0x000F_0000_001F_E000L);
    assertThat(FirstStagePte.reservedMask(3, true, 48, true)).isEqualTo(0x000F_0000_3FFF_E000L);
    assertThat(FirstStagePte.reservedMask(3, false, 48, true)).isEqualTo(0x000F_0000_0000_0000L);
    // without CAP.FS1GP, PS in a PDPE is reserved
    assertThat(FirstStagePte.reservedMask(3, false, 48, false)).isEqualTo(0x000F_0000_0000_0080L);
    assertThat(FirstStagePte.reservedMask(1, false, 39, true)).isEqualTo(0x000F_FF80_0000_0000L);
    assertThat(FirstStagePte.reservedMask(1, false, 52, true)).isZero();
  }

  @Test
  void scalableFaultReasonCodes() {
    // QEMU's VTDFaultReason (hw/i386/intel_iommu_internal.h)
    assertThat(FaultReason.ROOT_TABLE_MODE_INVALID.code()).isEqualTo(0x31);
    assertThat(FaultReason.PASID_DIRECTORY_UNREADABLE.code()).isEqualTo(0x50);
    assertThat(FaultReason.PASID_DIRECTORY_NOT_PRESENT.code()).isEqualTo(0x51);
    assertThat(FaultReason.PASID_TABLE_UNREADABLE.code()).isEqualTo(0x58);
    assertThat(FaultReason.PASID_ENTRY_NOT_PRESENT.code()).isEqualTo(0x59);
    assertThat(FaultReason.PASID_ENTRY_INVALID.code()).isEqualTo(0x5B);
    assertThat(FaultReason.FIRST_STAGE_ENTRY_UNREADABLE.code()).isEqualTo(0x70);
    assertThat(FaultReason.FIRST_STAGE_NOT_PRESENT.code()).isEqualTo(0x71);
    assertThat(FaultReason.FIRST_STAGE_RESERVED.code()).isEqualTo(0x72);
    assertThat(FaultReason.FIRST_STAGE_POINTER_INVALID.code()).isEqualTo(0x73);
    assertThat(FaultReason.FIRST_STAGE_NON_CANONICAL.code()).isEqualTo(0x80);
    assertThat(FaultReason.FIRST_STAGE_PRIVILEGE.code()).isEqualTo(0x81);
    assertThat(FaultReason.SCALABLE_WRITE_DENIED.code()).isEqualTo(0x85);
    assertThat(FaultReason.SCALABLE_INTERRUPT_ADDRESS.code()).isEqualTo(0x87);
    assertThat(FaultReason.FIRST_STAGE_FLAG_UPDATE_FAILED.code()).isEqualTo(0x91);
    // vtd_qualified_faults: access errors of the PASID structures are not qualified, the rest are
    assertThat(FaultReason.PASID_DIRECTORY_UNREADABLE.qualified()).isFalse();
    assertThat(FaultReason.PASID_TABLE_UNREADABLE.qualified()).isFalse();
    assertThat(FaultReason.PASID_ENTRY_NOT_PRESENT.qualified()).isTrue();
    assertThat(FaultReason.FIRST_STAGE_NOT_PRESENT.qualified()).isTrue();
    assertThat(FaultReason.ofCode(0x81)).isEqualTo(FaultReason.FIRST_STAGE_PRIVILEGE);
  }
}
