package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The scalable-mode ECAP fields (VT-d spec 11.4.3) against the register values real QEMU 11.1.3
 * reports over qtest ({@code readq 0xfed90008} / {@code 0xfed90010}, {@code -machine q35 -device
 * intel-iommu,caching-mode=on,intremap=off,...}).
 */
class ScalableCapabilityTest {
  /** {@code scalable-mode=on} (aw-bits 48 or 39: ECAP is the same). */
  static final long QEMU111_SM_ECAP = 0x0000480080000f42L;
  /** {@code scalable-mode=on,fsts=on} (aw-bits 48; QEMU refuses fsts with 39). */
  static final long QEMU111_SM_FSTS_ECAP = 0x0000880000000f42L;
  /** {@code scalable-mode=on,pasid-bits=20}. */
  static final long QEMU111_SM_PASID20_ECAP = 0x0000499880000f42L;
  static final long QEMU111_CAP_AW48 = 0x80d2008c222f0686L;
  /** {@code scalable-mode=on,fsts=on}: CAP gains FS1GP (bit 56) with the fs1gp property's default on. */
  static final long QEMU111_SM_FSTS_CAP = 0x81d2008c222f0686L;

  @Test
  void secondStageScalableModeReportsSmtsSstsAndSrs() {
    ExtendedCapability e = ExtendedCapability.decode(QEMU111_SM_ECAP);
    assertThat(e.smts()).isTrue();
    assertThat(e.ssts()).isTrue();
    assertThat(e.srs()).isTrue();
    assertThat(e.fsts()).isFalse();
    assertThat(e.pasid()).isFalse();
    assertThat(e.pasidBits()).isZero();
    assertThat(e.nest()).isFalse();
    assertThat(e.qi()).isTrue();
    assertThat(e.pt()).isTrue();
    assertThat(e.iro()).isEqualTo(0xF);
    assertThat(e.encode()).isEqualTo(QEMU111_SM_ECAP);
  }

  @Test
  void firstStageScalableModeReportsFstsInsteadOfSsts() {
    ExtendedCapability e = ExtendedCapability.decode(QEMU111_SM_FSTS_ECAP);
    assertThat(e.smts()).isTrue();
    assertThat(e.fsts()).isTrue();
    assertThat(e.ssts()).isFalse();
    assertThat(e.srs()).isFalse();
    assertThat(e.encode()).isEqualTo(QEMU111_SM_FSTS_ECAP);
    Capability c = Capability.decode(QEMU111_SM_FSTS_CAP);
    assertThat(c.fl1gp()).isTrue();
    assertThat(c.fl5lp()).isFalse();
    assertThat(c.encode() & ~(1L << 56)).isEqualTo(QEMU111_CAP_AW48);
  }

  @Test
  void pasidBits20IsPss19() {
    ExtendedCapability e = ExtendedCapability.decode(QEMU111_SM_PASID20_ECAP);
    assertThat(e.pasid()).isTrue();
    assertThat(e.pss()).isEqualTo(19);
    assertThat(e.pasidBits()).isEqualTo(20);
    assertThat(e.encode()).isEqualTo(QEMU111_SM_PASID20_ECAP);
  }

  @Test
  void everyScalableFieldSitsAtItsSpecBit() {
    int[] bits = {26, 29, 30, 31, 33, 34, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49};
    for (int b : bits) {
      ExtendedCapability e = ExtendedCapability.decode(1L << b);
      assertThat(e.encode()).as("bit %d", b).isEqualTo(1L << b);
    }
    ExtendedCapability e = ExtendedCapability.decode(1L << 26 | 1L << 45 | 1L << 49);
    assertThat(e.nest()).isTrue();
    assertThat(e.ssads()).isTrue();
    assertThat(e.rps()).isTrue();
    assertThat(ExtendedCapability.decode(Bits.mask(39, 35)).pss()).isEqualTo(31);
  }

  @Test
  void legacyConstructorLeavesScalableFieldsClearAndWithersKeepThem() {
    ExtendedCapability legacy = new ExtendedCapability(false, true, false, false, false, true, false, 0xF, 0, false, false);
    assertThat(legacy.encode()).isEqualTo(0xf42L);
    ExtendedCapability sm = ExtendedCapability.decode(QEMU111_SM_ECAP);
    assertThat(sm.withDt(true).encode()).isEqualTo(QEMU111_SM_ECAP | 1L << 2);
    assertThat(sm.withQi(false).encode()).isEqualTo(QEMU111_SM_ECAP & ~2L);
  }

  @Test
  void rootTableAddressModes() {
    // Linux iommu_set_root_entry: addr | DMA_RTADDR_SMT (bit 10) in scalable mode
    assertThat(RootTableAddress.decode(0x3c000400L)).isEqualTo(new RootTableAddress(0x3c000000L, RootTableAddress.Mode.SCALABLE));
    assertThat(RootTableAddress.decode(0x3c000000L).mode()).isEqualTo(RootTableAddress.Mode.LEGACY);
    assertThat(RootTableAddress.decode(0x3c000800L).mode()).isEqualTo(RootTableAddress.Mode.RESERVED);
    assertThat(RootTableAddress.decode(0x3c000c00L).mode()).isEqualTo(RootTableAddress.Mode.ABORT_DMA);
    assertThat(new RootTableAddress(0x5000, RootTableAddress.Mode.SCALABLE).encode()).isEqualTo(0x5400L);
    ExtendedCapability sm = ExtendedCapability.decode(QEMU111_SM_ECAP);
    ExtendedCapability legacy = ExtendedCapability.decode(0xf42L);
    assertThat(RootTableAddress.supported(RootTableAddress.Mode.SCALABLE, sm)).isTrue();
    assertThat(RootTableAddress.supported(RootTableAddress.Mode.SCALABLE, legacy)).isFalse();
    assertThat(RootTableAddress.supported(RootTableAddress.Mode.LEGACY, sm)).isTrue();
    assertThat(RootTableAddress.supported(RootTableAddress.Mode.ABORT_DMA, sm)).isFalse();
  }
}
