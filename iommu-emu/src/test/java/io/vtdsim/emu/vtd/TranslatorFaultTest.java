package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.G1;
import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static io.vtdsim.emu.vtd.TranslatorFixture.M2;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.TranslationType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One case per legacy fault reason (VT-d spec 7.1.3; QEMU's vtd_dev_to_context_entry and
 * vtd_iova_to_slpte), each triggering exactly that reason, and FPD suppression of qualified faults.
 */
class TranslatorFaultTest {
  private static final int SID = 0x0318; // 03:03.0
  private static final int DID = 5;
  private static final long BEYOND_RAM = 0x40_0000_0000L; // 256 GiB: below HAW 48, outside 16 GiB RAM

  private final TranslatorFixture f = TranslatorFixture.qemu(48);

  private long mapped4k(long iova, long gpa, boolean r, boolean w) {
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, iova, gpa, K4, r, w);
    return top;
  }

  @Nested
  class RootAndContext {
    @Test
    void rootNotPresentIs1() {
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.ROOT_NOT_PRESENT);
    }

    @Test
    void contextNotPresentIs2() {
      f.tables.contextTable(SID >>> 8);
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_NOT_PRESENT);
    }

    @Test
    void reservedTranslationTypeIs3() {
      long top = f.tables.allocPage();
      long lo = top | (3L << 2) | 1; // TT = 11b, reserved (spec 9.3)
      f.tables.contextRaw(SID, lo, new ContextEntry(true, false, TranslationType.MULTI_LEVEL, top, 2, DID).hi());
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_INVALID);
    }

    @Test
    void deviceTlbTypeWithoutEcapDtIs3() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));
      assertThat(f.config.ecap().dt()).isFalse();
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_INVALID);
    }

    @Test
    void deviceTlbTypeWithEcapDtTranslatesUntranslatedRequests() {
      ExtendedCapability e = f.config.ecap();
      VtdConfig withDt = f.config.withEcap(new ExtendedCapability(
          e.c(), e.qi(), true, e.ir(), e.eim(), e.pt(), e.sc(), e.iro(), e.mhmv(), e.pds(), e.smts()));
      TranslatorFixture g = new TranslatorFixture(withDt);
      long top = g.tables.allocPage();
      g.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL_DEVICE_TLB, top, 2, DID));
      g.tables.map(top, 4, 0x1000, 0x7000, K4, true, true);
      assertThat(g.read(SID, 0x1000).address()).isEqualTo(0x7000);
    }

    @Test
    void agawNotInSagawIs3() {
      // aw-bits 48: SAGAW has 39 and 48 bits only, AW=3 (57-bit, 5-level) is invalid
      f.tables.multiLevelContext(SID, DID, 3);
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_INVALID);
    }

    @Test
    void topLevelTableOutsideRamIs3AsQemu() {
      f.tables.context(SID, new ContextEntry(true, false, TranslationType.MULTI_LEVEL, BEYOND_RAM, 2, DID));
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_INVALID);
    }

    @Test
    void rootTableOutsideRamIs8() {
      TranslationResult r = f.translator.translate(BEYOND_RAM, SID, 0, false);
      assertThat(r.fault()).isEqualTo(FaultReason.ROOT_TABLE_UNREADABLE);
    }

    @Test
    void contextTableOutsideRamIs9() {
      f.mem.write64(RootEntry.address(f.tables.rootTable(), SID >>> 8), new RootEntry(true, BEYOND_RAM).lo());
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_TABLE_UNREADABLE);
    }

    @Test
    void rootReservedBitsAreA() {
      long ct = f.tables.contextTable(SID >>> 8);
      f.mem.write64(RootEntry.address(f.tables.rootTable(), SID >>> 8) + 8, 1); // hi quadword reserved
      assertThat(ct).isNotZero();
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.ROOT_RESERVED);
    }

    @Test
    void contextReservedBitsAreB() {
      long top = f.tables.allocPage();
      ContextEntry ce = new ContextEntry(true, false, TranslationType.MULTI_LEVEL, top, 2, DID);
      f.tables.contextRaw(SID, ce.lo() | (1L << 4), ce.hi()); // lo bits 11:4 reserved
      assertThat(f.read(SID, 0).fault()).isEqualTo(FaultReason.CONTEXT_RESERVED);
    }
  }

  @Nested
  class Walk {
    @Test
    void addressAboveMgawIs4() {
      mapped4k(0, 0x5000, true, true);
      assertThat(f.read(SID, 1L << 48).fault()).isEqualTo(FaultReason.ADDRESS_BEYOND_MGAW);
      assertThat(f.read(SID, -4096L).fault()).isEqualTo(FaultReason.ADDRESS_BEYOND_MGAW);
    }

    @Test
    void addressAboveTheContextsAgawIs4EvenBelowMgaw() {
      f.tables.multiLevelContext(SID, DID, 1); // 39-bit 3-level context on a 48-bit unit
      assertThat(f.read(SID, 1L << 39).fault()).isEqualTo(FaultReason.ADDRESS_BEYOND_MGAW);
    }

    @Test
    void writeToReadOnlyIs5() {
      mapped4k(0x1000, 0x5000, true, false);
      assertThat(f.write(SID, 0x1000).fault()).isEqualTo(FaultReason.WRITE_DENIED);
    }

    @Test
    void notPresentFaultsByRequestTypeAsQemu() {
      mapped4k(0x1000, 0x5000, true, true);
      assertThat(f.write(SID, 0x2000).fault()).isEqualTo(FaultReason.WRITE_DENIED);
      assertThat(f.read(SID, 0x3000).fault()).isEqualTo(FaultReason.READ_DENIED);
      // not present at the top level (a different 512 GiB slot)
      assertThat(f.read(SID, 1L << 40).fault()).isEqualTo(FaultReason.READ_DENIED);
    }

    @Test
    void readOfWriteOnlyIs6() {
      mapped4k(0x1000, 0x5000, false, true);
      assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.READ_DENIED);
    }

    @Test
    void lowerTableOutsideRamIs7() {
      long top = mapped4k(0x1000, 0x5000, true, true);
      f.tables.setEntry(top, 4, 0x1000, 4, BEYOND_RAM | SecondLevelPte.R | SecondLevelPte.W);
      assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_UNREADABLE);
    }

    @Test
    void snoopBitWithoutSnoopControlIsC() {
      long top = mapped4k(0x1000, 0x5000, true, true);
      f.tables.setEntry(top, 4, 0x1000, 1, 0x5000 | SecondLevelPte.SNP | SecondLevelPte.R | SecondLevelPte.W);
      assertThat(f.config.ecap().sc()).isFalse();
      assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void snoopBitWithSnoopControlIsAllowed() {
      TranslatorFixture g = new TranslatorFixture(VtdConfig.preset("bare-metal", 48));
      long top = g.tables.multiLevelContext(SID, DID, 2);
      g.tables.map(top, 4, 0x1000, 0x5000, K4, true, true);
      g.tables.setEntry(top, 4, 0x1000, 1, 0x5000 | SecondLevelPte.SNP | SecondLevelPte.R | SecondLevelPte.W);
      assertThat(g.read(SID, 0x1000).address()).isEqualTo(0x5000);
    }

    @Test
    void addressBitsAboveHawAreC() {
      long top = mapped4k(0x1000, 0x5000, true, true);
      f.tables.setEntry(top, 4, 0x1000, 1, (1L << 48) | 0x5000 | SecondLevelPte.R);
      assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void pageSizeBitAtLevel4IsC() {
      long top = mapped4k(0x1000, 0x5000, true, true);
      long pml4e = f.mem.read64(f.tables.entryAddress(top, 4, 0x1000, 4));
      f.tables.setEntry(top, 4, 0x1000, 4, pml4e | SecondLevelPte.PS);
      assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void oneGigabyteLeafWithout1gSupportIsC() {
      TranslatorFixture g = new TranslatorFixture(f.config.withCap(f.config.cap().withSllps(Capability.SLLPS_2M)));
      long top = g.tables.multiLevelContext(SID, DID, 2);
      g.tables.map(top, 4, G1, 2 * G1, G1, true, true);
      assertThat(g.read(SID, G1).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void twoMegabyteLeafWithoutSuperpageSupportIsC() {
      TranslatorFixture g = new TranslatorFixture(f.config.withCap(f.config.cap().withSllps(0)));
      long top = g.tables.multiLevelContext(SID, DID, 2);
      g.tables.map(top, 4, M2, 2 * M2, M2, true, true);
      assertThat(g.read(SID, M2).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void subPageAddressBitsOfSuperpageLeavesAreC() {
      long top = f.tables.multiLevelContext(SID, DID, 2);
      f.tables.map(top, 4, M2, 4 * M2, M2, true, true);
      f.tables.map(top, 4, G1, 2 * G1, G1, true, true);
      long pde = f.mem.read64(f.tables.entryAddress(top, 4, M2, 2));
      f.tables.setEntry(top, 4, M2, 2, pde | (1L << 12)); // bits 20:12 of a 2 MiB leaf
      long pdpe = f.mem.read64(f.tables.entryAddress(top, 4, G1, 3));
      f.tables.setEntry(top, 4, G1, 3, pdpe | (1L << 21)); // bits 29:12 of a 1 GiB leaf

      assertThat(f.read(SID, M2).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
      assertThat(f.read(SID, G1).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void missingPermissionIsCheckedBeforeReservedBitsAsQemu() {
      long top = mapped4k(0x1000, 0x5000, true, false);
      f.tables.setEntry(top, 4, 0x1000, 1, 0x5000 | SecondLevelPte.SNP | SecondLevelPte.R);
      assertThat(f.write(SID, 0x1000).fault()).isEqualTo(FaultReason.WRITE_DENIED);
      assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
    }

    @Test
    void outputInsideTheInterruptWindowIsE() {
      long top = mapped4k(0x1000, 0xFEE0_0000L, true, true);
      f.tables.map(top, 4, 0x2000, 0xFEEF_F000L, K4, true, true);
      f.tables.map(top, 4, 0x3000, 0xFEF0_0000L, K4, true, true);
      assertThat(f.write(SID, 0x1000).fault()).isEqualTo(FaultReason.INTERRUPT_ADDRESS);
      assertThat(f.read(SID, 0x2FFF).fault()).isEqualTo(FaultReason.INTERRUPT_ADDRESS);
      assertThat(f.read(SID, 0x3000).ok()).as("first page above the window").isTrue();
    }

    @Test
    void superpageContainingTheWindowFaultsOnlyInsideIt() {
      long top = f.tables.multiLevelContext(SID, DID, 2);
      f.tables.map(top, 4, 0, 3 * G1, G1, true, true); // 0xC000_0000..0xFFFF_FFFF contains the window
      assertThat(f.read(SID, 0x3EE0_0000L).fault()).isEqualTo(FaultReason.INTERRUPT_ADDRESS);
      TranslationResult outside = f.read(SID, 0x3F00_0000L);
      assertThat(outside.ok()).isTrue();
      assertThat(outside.address()).isEqualTo(0xFF00_0000L);
    }
  }

  @Nested
  class FaultProcessingDisable {
    private long fpdContext() {
      long top = f.tables.allocPage();
      f.tables.context(SID, new ContextEntry(true, true, TranslationType.MULTI_LEVEL, top, 2, DID));
      return top;
    }

    @Test
    void suppressesQualifiedWalkFaults() {
      long top = fpdContext();
      f.tables.map(top, 4, 0x1000, 0x5000, K4, true, false);
      f.tables.map(top, 4, 0x2000, 0x6000, K4, true, true);
      f.tables.setEntry(top, 4, 0x2000, 1, 0x6000 | SecondLevelPte.SNP | SecondLevelPte.R);

      assertThat(f.read(SID, 0x9000)).extracting(TranslationResult::fault, TranslationResult::faultSuppressed)
          .containsExactly(FaultReason.READ_DENIED, true);
      assertThat(f.write(SID, 0x1000).faultSuppressed()).isTrue();
      assertThat(f.read(SID, 0x2000)).extracting(TranslationResult::fault, TranslationResult::faultSuppressed)
          .containsExactly(FaultReason.PAGING_ENTRY_RESERVED, true);
      assertThat(f.read(SID, 1L << 48)).extracting(TranslationResult::fault, TranslationResult::faultSuppressed)
          .containsExactly(FaultReason.ADDRESS_BEYOND_MGAW, true);
    }

    @Test
    void isReadFromANotPresentContextEntryAsQemu() {
      long ct = f.tables.contextTable(SID >>> 8);
      f.mem.write64(ContextEntry.address(ct, SID & 0xFF), 1L << 1); // FPD=1, P=0
      assertThat(f.read(SID, 0)).extracting(TranslationResult::fault, TranslationResult::faultSuppressed)
          .containsExactly(FaultReason.CONTEXT_NOT_PRESENT, true);
    }

    @Test
    void doesNotSuppressNonQualifiedFaults() {
      long top = f.tables.allocPage();
      ContextEntry ce = new ContextEntry(true, true, TranslationType.MULTI_LEVEL, top, 2, DID);
      f.tables.contextRaw(SID, ce.lo() | (1L << 4), ce.hi());
      assertThat(f.read(SID, 0)).extracting(TranslationResult::fault, TranslationResult::faultSuppressed)
          .containsExactly(FaultReason.CONTEXT_RESERVED, false);
    }

    @Test
    void isOffWithFpdClear() {
      mapped4k(0x1000, 0x5000, true, true);
      assertThat(f.read(SID, 0x9000).faultSuppressed()).isFalse();
    }
  }
}
