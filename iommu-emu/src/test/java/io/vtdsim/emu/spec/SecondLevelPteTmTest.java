package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bit 62 (TM) of a second-level entry: reserved at every level, as QEMU's vtd_spte_rsvd masks
 * (hw/i386/intel_iommu.c, VTD_SL_TM, without the stale-tm property); never part of the address.
 */
class SecondLevelPteTmTest {
  private static final long TM = 1L << 62;

  @ParameterizedTest
  @CsvSource({"1,false", "2,false", "2,true", "3,false", "3,true", "4,false", "5,false"})
  void tmIsReservedAtEveryLevel(int level, boolean leaf) {
    assertThat(SecondLevelPte.reservedMask(level, leaf, 48, false) & TM).isEqualTo(TM);
    assertThat(SecondLevelPte.reservedMask(level, leaf, 57, true) & TM).isEqualTo(TM);
  }

  @Test
  void addressExcludesTmAndTheIgnoredBits() {
    long v = TM | (1L << 63) | (1L << 52) | 0x1234_5000L | SecondLevelPte.R;
    assertThat(SecondLevelPte.addressOf(v)).isEqualTo(0x1234_5000L);
    assertThat(SecondLevelPte.decode(v).address()).isEqualTo(0x1234_5000L);
  }

  @Test
  void ignoredBitsStayOutOfTheReservedMask() {
    long ignored = (1L << 63) | Bits.mask(61, 52);
    assertThat(SecondLevelPte.reservedMask(1, false, 48, false) & ignored).isZero();
  }
}
