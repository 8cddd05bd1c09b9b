package io.vtdsim.emu.vtd;

import static io.vtdsim.emu.vtd.TranslatorFixture.K4;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.SecondLevelPte;
import org.junit.jupiter.api.Test;

/**
 * A second-level entry with bit 62 (TM) set faults with reason 0xC, as QEMU without stale-tm
 * (vtd_slpte_nonzero_rsvd in hw/i386/intel_iommu.c): TM is reserved, not ignored.
 */
class TranslatorTmBitTest {
  private static final int SID = 0x0318;
  private static final int DID = 5;
  private static final long TM = 1L << 62;

  private final TranslatorFixture f = TranslatorFixture.qemu(48);

  @Test
  void tmInALeafIsC() {
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, 0x1000, 0x5000, K4, true, true);
    f.tables.setEntry(top, 4, 0x1000, 1, TM | 0x5000 | SecondLevelPte.R | SecondLevelPte.W);
    assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
  }

  @Test
  void tmInATableEntryIsC() {
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, 0x1000, 0x5000, K4, true, true);
    long pde = f.mem.read64(f.tables.entryAddress(top, 4, 0x1000, 2));
    f.tables.setEntry(top, 4, 0x1000, 2, pde | TM);
    assertThat(f.read(SID, 0x1000).fault()).isEqualTo(FaultReason.PAGING_ENTRY_RESERVED);
  }

  @Test
  void withoutTmTheSameEntryTranslates() {
    long top = f.tables.multiLevelContext(SID, DID, 2);
    f.tables.map(top, 4, 0x1000, 0x5000, K4, true, true);
    assertThat(f.read(SID, 0x1000).address()).isEqualTo(0x5000);
  }
}
