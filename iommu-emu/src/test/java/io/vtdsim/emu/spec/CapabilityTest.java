package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** CAP/ECAP field layout (VT-d spec 11.4.2/11.4.3) against values read from real QEMU 7.2. */
class CapabilityTest {
  // -device intel-iommu,caching-mode=on,intremap=off: a Linux 6.1 guest's trace on QEMU 7.2
  // (docs/linux-6.1-trace.md, "Kernel"); QEMU's vtd_init in hw/i386/intel_iommu.c
  private static final long QEMU72_CAP_AW39 = 0x00d2008c22260286L;
  private static final long QEMU72_CAP_AW48 = 0x00d2008c222f0686L;
  private static final long QEMU72_ECAP = 0xf42L;

  @Test
  void decodesQemu72Aw39Fields() {
    Capability c = Capability.decode(QEMU72_CAP_AW39);
    assertThat(c.nd()).isEqualTo(6);
    assertThat(c.domainCount()).isEqualTo(65536);
    assertThat(c.cm()).isTrue();
    assertThat(c.rwbf()).isFalse();
    assertThat(c.sagaw()).isEqualTo(Capability.SAGAW_39);
    assertThat(c.guestAddressWidth()).isEqualTo(39);
    assertThat(c.fro()).isEqualTo(0x22);
    assertThat(c.sllps()).isEqualTo(0b11);
    assertThat(c.psi()).isTrue();
    assertThat(c.nfr()).isZero();
    assertThat(c.mamv()).isEqualTo(18);
    assertThat(c.dwd()).isTrue();
    assertThat(c.drd()).isTrue();
    assertThat(c.esrtps()).isFalse();
    assertThat(c.encode()).isEqualTo(QEMU72_CAP_AW39);
  }

  @Test
  void aw48AddsTheFourLevelSagawBitAndMgaw47() {
    Capability c = Capability.decode(QEMU72_CAP_AW48);
    assertThat(c.sagaw()).isEqualTo(Capability.SAGAW_39 | Capability.SAGAW_48);
    assertThat(c.mgaw()).isEqualTo(47);
    assertThat(Capability.decode(QEMU72_CAP_AW39).withAddressWidth(48).encode()).isEqualTo(QEMU72_CAP_AW48);
  }

  @Test
  void cachingModeOffEndsIn0606AsTheTraceShows() {
    // a Linux 6.1 guest's trace on QEMU 7.2 (docs/linux-6.1-trace.md): "With caching-mode=off CAP ends in ...0606"
    long cm0 = Capability.decode(QEMU72_CAP_AW48).withCm(false).encode();
    assertThat(cm0 & 0xFFFF).isEqualTo(0x0686 & ~0x80);
    assertThat(Long.toHexString(cm0)).endsWith("0606");
  }

  @Test
  void ecapQemu72() {
    ExtendedCapability e = ExtendedCapability.decode(QEMU72_ECAP);
    assertThat(e.qi()).isTrue();
    assertThat(e.pt()).isTrue();
    assertThat(e.iro()).isEqualTo(0xF);
    assertThat(e.c()).isFalse();
    assertThat(e.dt()).isFalse();
    assertThat(e.ir()).isFalse();
    assertThat(e.sc()).isFalse();
    assertThat(e.encode()).isEqualTo(QEMU72_ECAP);
    assertThat(Registers.iva(e.iro())).isEqualTo(0xF0);
    assertThat(Registers.faultRecord(0x22, 0)).isEqualTo(0x220);
  }

  @Test
  void linuxAgawArithmetic() {
    // Linux's width_to_agaw (drivers/iommu/intel/iommu.h): ceil((w-30)/9): 39→1, 48→2, 57→3; levels = agaw+2
    assertThat(AddressWidth.agawOfWidth(39)).isEqualTo(1);
    assertThat(AddressWidth.agawOfWidth(48)).isEqualTo(2);
    assertThat(AddressWidth.agawOfWidth(57)).isEqualTo(3);
    assertThat(AddressWidth.levelsOfAgaw(2)).isEqualTo(4);
    assertThat(AddressWidth.widthOfAgaw(3)).isEqualTo(57);
    assertThat(AddressWidth.levelSize(2)).isEqualTo(2L << 20);
    assertThat(AddressWidth.levelIndex(0x4020_1000L, 1)).isEqualTo(1);
    assertThat(AddressWidth.levelIndex(0x4020_1000L, 2)).isEqualTo(1);
    assertThat(AddressWidth.levelIndex(0x4020_1000L, 3)).isEqualTo(1);
  }

  @Test
  void rejectsOutOfRangeFields() {
    assertThatThrownBy(() -> Capability.decode(0).withMamv(64)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Capability.decode(0).withAddressWidth(40))
        .hasMessageContaining("39, 48 or 57");
  }
}
