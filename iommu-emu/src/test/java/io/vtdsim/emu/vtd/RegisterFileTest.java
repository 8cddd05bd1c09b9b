package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The storage rules of QEMU's vtd_set_long / vtd_set_quad and the write-only mask (hw/i386/intel_iommu.c). */
class RegisterFileTest {
  @Test
  void writableBitsTakeTheNewValueOthersKeepTheirs() {
    RegisterFile f = new RegisterFile(16);
    f.define32(0, 0xA5A5_0000, 0x0000_FFFF, 0);
    f.guestWrite(0, 4, 0x1234_5678);
    assertThat(f.raw32(0)).isEqualTo(0xA5A5_5678);
  }

  @Test
  void writtenOnesClearWriteOneToClearBitsAndZerosKeepThem() {
    RegisterFile f = new RegisterFile(16);
    f.define32(0, 0, 0, 0x11);
    f.update32(0, 0, 0x13); // hardware sets 0x13; bit 1 is read-only
    f.guestWrite(0, 4, 0x00);
    assertThat(f.raw32(0)).isEqualTo(0x13);
    f.guestWrite(0, 4, 0x01);
    assertThat(f.raw32(0)).isEqualTo(0x12);
    f.guestWrite(0, 4, -1);
    assertThat(f.raw32(0)).isEqualTo(0x02);
  }

  @Test
  void writeOnlyBitsAreStoredButReadZero() {
    RegisterFile f = new RegisterFile(16);
    f.define64(8, 0, -1L, 0);
    f.defineWriteOnly(8, 8, 0xFF00L);
    f.guestWrite(8, 8, 0xABCDL);
    assertThat(f.raw64(8)).isEqualTo(0xABCDL);
    assertThat(f.guestRead(8, 8)).isEqualTo(0xCDL);
  }

  @Test
  void halvesOfAQuadAreLittleEndian() {
    RegisterFile f = new RegisterFile(16);
    f.define64(0, 0, -1L, 0);
    f.guestWrite(4, 4, 0x1122_3344L);
    f.guestWrite(0, 4, 0x5566_7788L);
    assertThat(f.raw64(0)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(f.guestRead(4, 4)).isEqualTo(0x1122_3344L);
  }

  @Test
  void accessesOverTheEndTouchOnlyTheWindow() {
    RegisterFile f = new RegisterFile(8);
    f.define64(0, 0, -1L, 0);
    f.guestWrite(4, 8, -1L);
    assertThat(f.raw64(0)).isEqualTo(0xFFFF_FFFF_0000_0000L);
    assertThat(f.guestRead(4, 8)).isEqualTo(0xFFFF_FFFFL);
    f.guestWrite(-4, 8, -1L);
    assertThat(f.raw32(0)).isEqualTo(-1);
  }

  @Test
  void resetRestoresTheCapturedValues() {
    RegisterFile f = new RegisterFile(8);
    f.define32(0, 0x8000_0000, -1, 0);
    f.captureResetValues();
    f.guestWrite(0, 4, 0x1234);
    f.reset();
    assertThat(f.raw32(0)).isEqualTo(0x8000_0000);
  }
}
