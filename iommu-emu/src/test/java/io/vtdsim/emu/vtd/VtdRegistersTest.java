package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.Registers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Register reset values and write semantics over MMIO, against QEMU's vtd_init (hw/i386/intel_iommu.c) and
 * the values read from real QEMU 7.2 (docs/linux-6.1-trace.md).
 */
class VtdRegistersTest {

  @ParameterizedTest
  @CsvSource({"39, 0x00d2008c22260286", "48, 0x00d2008c222f0686"})
  void qemu72CapabilityAndEcapReadOverMmioAsRealQemu(int aw, String cap) {
    VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-7.2", aw));
    long expected = Long.parseUnsignedLong(cap.substring(2), 16);
    assertThat(bed.r64(Registers.CAP)).isEqualTo(expected);
    assertThat(bed.r32(Registers.CAP) & 0xFFFF_FFFFL).isEqualTo(expected & 0xFFFF_FFFFL);
    assertThat(bed.r32(Registers.CAP + 4) & 0xFFFF_FFFFL).isEqualTo(expected >>> 32);
    assertThat(bed.r64(Registers.ECAP)).isEqualTo(0xf42L);
  }

  @Test
  void resetValuesAreQemus() {
    VtdTestBed bed = VtdTestBed.qemu72();
    assertThat(bed.r32(Registers.VER)).isEqualTo(0x10);
    assertThat(bed.r32(Registers.GCMD)).isZero();
    assertThat(bed.r32(Registers.GSTS)).isZero();
    assertThat(bed.r64(Registers.RTADDR)).isZero();
    assertThat(bed.r64(Registers.CCMD)).isZero();
    assertThat(bed.r32(Registers.FSTS)).isZero();
    assertThat(bed.r32(Registers.FECTL)).isEqualTo(0x8000_0000); // IM set
    assertThat(bed.r32(Registers.FEDATA)).isZero();
    assertThat(bed.r32(Registers.FEADDR)).isZero();
    assertThat(bed.r32(Registers.FEUADDR)).isZero();
    assertThat(bed.r64(Registers.IQH)).isZero();
    assertThat(bed.r64(Registers.IQT)).isZero();
    assertThat(bed.r64(Registers.IQA)).isZero();
    assertThat(bed.r32(Registers.ICS)).isZero();
    assertThat(bed.r32(Registers.IECTL)).isEqualTo(0x8000_0000); // IM set
    assertThat(bed.r32(Registers.IEDATA)).isZero();
    assertThat(bed.r32(Registers.IEADDR)).isZero();
    assertThat(bed.r64(Registers.IRTA)).isZero();
    assertThat(bed.r64(0xF0)).isZero(); // IVA at ECAP.IRO×16
    assertThat(bed.r64(0xF8)).isZero(); // IOTLB
    assertThat(bed.r64(0x220)).isZero(); // FRCD0 at CAP.FRO×16
    assertThat(bed.r64(0x228)).isZero();
  }

  @Test
  void readOnlyRegistersIgnoreWrites() {
    VtdTestBed bed = VtdTestBed.qemu72();
    long cap = bed.r64(Registers.CAP);
    for (int off : new int[] {Registers.VER, Registers.GSTS, Registers.FEUADDR, Registers.IEUADDR, Registers.FSTS}) {
      bed.w32(off, -1);
    }
    bed.w64(Registers.CAP, -1);
    bed.w64(Registers.ECAP, -1);
    bed.w64(Registers.IQH, -1);
    bed.w64(0x220, -1);
    assertThat(bed.r32(Registers.VER)).isEqualTo(0x10);
    assertThat(bed.r64(Registers.CAP)).isEqualTo(cap);
    assertThat(bed.r64(Registers.ECAP)).isEqualTo(0xf42L);
    assertThat(bed.r32(Registers.GSTS)).isZero();
    assertThat(bed.r32(Registers.FEUADDR)).isZero();
    assertThat(bed.r32(Registers.IEUADDR)).isZero();
    assertThat(bed.r32(Registers.FSTS)).isZero();
    assertThat(bed.r64(Registers.IQH)).isZero();
    assertThat(bed.r64(0x220)).isZero();
  }

  @Test
  void writableMasksAsQemu() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w64(Registers.RTADDR, -1);
    assertThat(bed.r64(Registers.RTADDR)).isEqualTo(0xFFFF_FFFF_FFFF_FC00L); // bits 63:10
    bed.w32(Registers.FEDATA, -1);
    assertThat(bed.r32(Registers.FEDATA)).isEqualTo(0xFFFF); // bits 15:0
    bed.w32(Registers.FEADDR, -1);
    assertThat(bed.r32(Registers.FEADDR)).isEqualTo(0xFFFF_FFFC); // bits 31:2
    bed.w32(Registers.IEDATA, -1);
    assertThat(bed.r32(Registers.IEDATA)).isEqualTo(-1);
    bed.w32(Registers.IEADDR, -1);
    assertThat(bed.r32(Registers.IEADDR)).isEqualTo(0xFFFF_FFFC);
    bed.w64(Registers.IQT, -1);
    assertThat(bed.r64(Registers.IQT)).isEqualTo(0x7FFF0L); // bits 18:4
    bed.w64(Registers.IRTA, -1);
    assertThat(bed.r64(Registers.IRTA)).isEqualTo(0xFFFF_FFFF_FFFF_F80FL);
    bed.w32(Registers.FECTL, -1); // IP is read-only
    assertThat(bed.r32(Registers.FECTL)).isEqualTo(0x8000_0000);
    bed.w32(Registers.FECTL, 0);
    assertThat(bed.r32(Registers.FECTL)).isZero();
    bed.w32(Registers.IECTL, 0x4000_0000);
    assertThat(bed.r32(Registers.IECTL)).isZero();
  }

  @Test
  void thirtyTwoBitHalvesOfSixtyFourBitRegisters() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w32(Registers.RTADDR, 0x1234_5678);
    bed.w32(Registers.RTADDR + 4, 0x9);
    assertThat(bed.r64(Registers.RTADDR)).isEqualTo(0x9_1234_5400L);
    assertThat(bed.r32(Registers.RTADDR + 4)).isEqualTo(0x9);
    assertThat(bed.r32(Registers.RTADDR)).isEqualTo(0x1234_5400);
  }

  @Test
  void writeOnlyFieldsReadZero() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w32(Registers.GCMD, 0); // GCMD always reads 0
    assertThat(bed.r32(Registers.GCMD)).isZero();
    // CCMD without ICC only stores: SID (31:16) and FM (33:32) read back as 0, DID and CIRG do not
    bed.w64(Registers.CCMD, 0x6000_0003_ABCD_1234L);
    assertThat(bed.r64(Registers.CCMD)).isEqualTo(0x6000_0000_0000_1234L);
    // IVA is write-only
    bed.w64(0xF0, 0x1234_5000L | 0x45);
    assertThat(bed.r64(0xF0)).isZero();
    // IOTLB without IVT only stores its writable bits: IIRG, DR, DW, DID
    bed.w64(0xF8, 0x7FFF_FFFF_FFFF_FFFFL);
    assertThat(bed.r64(0xF8)).isEqualTo(0x3003_FFFF_0000_0000L);
  }

  @Test
  void unimplementedRegistersReadZeroAndDropWrites() {
    VtdTestBed bed = VtdTestBed.qemu72();
    for (int off : new int[] {Registers.AFLOG, Registers.PHMBASE, Registers.PHMLIMIT}) bed.w64(off, -1);
    for (int off : new int[] {Registers.PMEN, Registers.PLMBASE, Registers.PLMLIMIT}) bed.w32(off, -1);
    for (int off : new int[] {Registers.AFLOG, Registers.PHMBASE, Registers.PHMLIMIT}) {
      assertThat(bed.r64(off)).isZero();
    }
    for (int off : new int[] {Registers.PMEN, Registers.PLMBASE, Registers.PLMLIMIT}) {
      assertThat(bed.r32(off)).isZero();
    }
  }

  @Test
  void iqaReadsTheBaseLatchedAtTheLastEnable() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w64(Registers.IQA, 0x10_0000L | 2);
    // as QEMU: the base part reads from the latch (0 before any enable), QS as written
    assertThat(bed.r64(Registers.IQA)).isEqualTo(2);
    bed.command(io.vtdsim.emu.spec.GlobalCommand.QIE, true);
    assertThat(bed.r64(Registers.IQA)).isEqualTo(0x10_0000L | 2);
    assertThat(bed.r32(Registers.IQA)).isEqualTo(0x10_0000 | 2);
    assertThat(bed.r32(Registers.IQA + 4)).isZero();
  }

  @Test
  void resetRestoresTheWindowByteForByte() {
    VtdTestBed bed = VtdTestBed.qemu72();
    int size = bed.unit.windowSize();
    long[] before = new long[size / 4];
    for (int off = 0; off < size; off += 4) before[off / 4] = bed.unit.read(off, 4);
    bed.w64(Registers.RTADDR, 0x5000);
    bed.command(io.vtdsim.emu.spec.GlobalCommand.SRTP, true);
    bed.command(io.vtdsim.emu.spec.GlobalCommand.TE, true);
    bed.w32(Registers.FECTL, 0);
    bed.w32(Registers.FEDATA, 0x55);
    bed.w64(Registers.IQT, 0x40);
    bed.unit.recordFault(0x100, 0x7000, io.vtdsim.emu.spec.FaultReason.READ_DENIED, true);
    bed.unit.reset();
    for (int off = 0; off < size; off += 4) {
      assertThat(bed.unit.read(off, 4)).as("offset 0x%x", off).isEqualTo(before[off / 4]);
    }
    assertThat(bed.unit.translationEnabled()).isFalse();
    assertThat(bed.unit.rootTableAddress()).isZero();
  }

  /** As QEMU's qtest 8byte-access-sweep: nothing aborts, VER survives. */
  @Test
  void eightByteAccessSweepOverTheWholeWindow() {
    VtdTestBed bed = VtdTestBed.qemu72();
    int size = bed.unit.windowSize();
    for (int off = 0; off < size; off += 4) {
      bed.r64(off);
      bed.w64(off, 0);
      bed.unit.read(off, 8);
      bed.unit.write(off, 8, 0);
    }
    assertThat(bed.r32(Registers.VER)).isEqualTo(0x10);
    assertThat(bed.r64(Registers.CAP)).isEqualTo(bed.config.cap().encode());
  }

  @Test
  void accessesBeyondTheWindowReadAllOnes() {
    VtdTestBed bed = VtdTestBed.qemu72();
    int size = bed.unit.windowSize();
    assertThat(bed.r64(size)).isEqualTo(-1L);
    assertThat(bed.r32(size)).isEqualTo(-1);
    assertThat(bed.unit.read(size - 4, 8)).isEqualTo(-1L);
    assertThat(bed.unit.read(-4, 4)).isEqualTo(0xFFFF_FFFFL);
    bed.unit.write(size, 8, -1);
    assertThat(bed.log.eventsOfKind(MmioBus.EV_REJECTED)).hasSize(2);
  }

  @Test
  void windowCoversEveryFaultRecordOfABareMetalUnit() {
    VtdTestBed bed = new VtdTestBed(VtdConfig.preset("bare-metal", 48));
    // NFR 7: eight records from 0x220 to 0x2A0
    assertThat(bed.unit.windowSize()).isEqualTo(0x2A0);
    bed.w64(0x298, -1);
    assertThat(bed.r64(0x298)).isZero();
  }
}
