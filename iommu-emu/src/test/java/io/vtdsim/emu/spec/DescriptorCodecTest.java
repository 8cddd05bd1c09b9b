package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Descriptor encodings against the exact quadwords a Linux 6.1 guest sent to QEMU 7.2
 * (docs/linux-6.1-trace.md), and reserved-bit rejection (QEMU's vtd_inv_desc_reserved_check).
 */
class DescriptorCodecTest {
  @Test
  void globalContextCacheIs0x11() {
    assertThat(ContextCacheInvalidation.global().lo()).isEqualTo(0x11L);
  }

  @Test
  void deviceSelectiveContextCacheOfSid0008WithDid0() {
    assertThat(ContextCacheInvalidation.device(0, 0x0008, 0).lo()).isEqualTo(0x800000031L);
    assertThat(ContextCacheInvalidation.device(0, 0x00fa, 0).lo()).isEqualTo(0xfa00000031L);
    // detach uses the old DID 3
    assertThat(ContextCacheInvalidation.device(3, 0x0008, 0).lo()).isEqualTo(0x800030031L);
  }

  @Test
  void iotlbGlobalDsiAndPsiWithDrainBits() {
    assertThat(IotlbInvalidation.global(true, true).lo()).isEqualTo(0xd2L);
    assertThat(IotlbInvalidation.domain(3, true, true).lo()).isEqualTo(0x300e2L);
    IotlbInvalidation psi = IotlbInvalidation.page(3, 0xffff9000L, 0, false, true, true);
    assertThat(psi.lo()).isEqualTo(0xf2L | 3L << 16);
    assertThat(psi.hi()).isEqualTo(0xffff9000L);
    assertThat(IotlbInvalidation.page(3, 0xfff00000L, 8, false, true, true).hi()).isEqualTo(0xfff00008L);
  }

  @Test
  void linuxWaitDescriptor() {
    InvalidationWait w = InvalidationWait.statusWrite(InvalidationWait.QI_DONE, 0x1234_5678L);
    assertThat(w.lo()).isEqualTo(0x0000000200000025L);
    assertThat(w.hi()).isEqualTo(0x12345678L);
  }

  @Test
  void decodeRoundTripsEveryType() {
    InvalidationDescriptor[] all = {
      ContextCacheInvalidation.global(),
      ContextCacheInvalidation.domain(7),
      ContextCacheInvalidation.device(2, 0x1f2, 3),
      IotlbInvalidation.global(false, false),
      IotlbInvalidation.domain(9, true, false),
      IotlbInvalidation.page(4, 0x7000_0000L, 5, true, true, true),
      new DeviceTlbInvalidation(0x18, 0, 0x1000, false),
      new InterruptEntryCacheInvalidation(true, 3, 0x55),
      new InterruptEntryCacheInvalidation(false, 0, 0),
      new InvalidationWait(true, true, true, false, 0xdead, 0x4000),
    };
    for (InvalidationDescriptor d : all) {
      assertThat(InvalidationDescriptor.decode(d.lo(), d.hi(), false)).isEqualTo(d);
    }
  }

  @Test
  void reservedBitsAndBadGranularityDecodeAsMalformed() {
    assertMalformed(0x11L | 1L << 8, 0, "reserved");            // CC lo bit 8
    assertMalformed(0x11L, 1, "reserved");                      // CC hi must be 0
    assertMalformed(0x01L, 0, "granularity 0");                 // CC G=0
    assertMalformed(0x02L, 0, "granularity 0");                 // IOTLB G=0
    assertMalformed(0x32L | 1L << 40, 0, "reserved");           // IOTLB lo bit 40
    assertMalformed(0x32L, 1L << 7, "reserved");                // IOTLB hi bit 7
    assertMalformed(0x05L, 0, "none of IF, SW, FN");           // wait with nothing to do
    assertMalformed(0x25L | 1L << 7, 0, "reserved");            // PD without ECAP.PDS
    assertMalformed(0x25L, 0x1001, "reserved");                 // status address bits 1:0
    assertMalformed(0x06L, 0, "unknown descriptor type 6");     // PASID-IOTLB (scalable only)
    assertMalformed(0x01L | 1L << 9, 0, "unknown descriptor type 17"); // type bits 6:4 via lo 11:9
    assertMalformed(0x0L, 0, "unknown descriptor type 0");
  }

  @Test
  void pageDrainAllowedWhenSupported() {
    assertThat(InvalidationDescriptor.decode(0x25L | 1L << 7, 0, true))
        .isInstanceOfSatisfying(InvalidationWait.class, w -> assertThat(w.pageDrain()).isTrue());
  }

  @Test
  void psiCoversTheNaturallyAlignedBlockContainingAddr() {
    // VT-d spec 6.5.2.3: the low AM bits of ADDR are ignored
    IotlbInvalidation psi = IotlbInvalidation.page(1, 0x17f000L, 8, false, true, true);
    assertThat(psi.alignedBase()).isEqualTo(0x100000L);
    assertThat(psi.coveredSize()).isEqualTo(0x100000L);
  }

  @Test
  void deviceTlbSizeFromTrailingOnes() {
    // spec 6.5.2.5: S=1 and address bit 12 = 0 → 8 KiB; bits 12 set, 13 clear → 16 KiB
    assertThat(new DeviceTlbInvalidation(0, 0, 0x2000, true).coveredSize()).isEqualTo(0x2000);
    assertThat(new DeviceTlbInvalidation(0, 0, 0x1000, true).coveredSize()).isEqualTo(0x4000);
    assertThat(new DeviceTlbInvalidation(0, 0, 0x1000, false).coveredSize()).isEqualTo(0x1000);
  }

  @Test
  void iotlbWordsWithoutAnObjectAreTheTracedQuadwords() {
    // the PSI and DSI Linux 6.1 sent with DR=DW=1 (docs/linux-6.1-trace.md), built from fields
    assertThat(IotlbInvalidation.loWord(IotlbInvalidation.Granularity.PAGE, true, true, 3)).isEqualTo(0xf2L | 3L << 16);
    assertThat(IotlbInvalidation.loWord(IotlbInvalidation.Granularity.DOMAIN, true, true, 3)).isEqualTo(0x300e2L);
    assertThat(IotlbInvalidation.loWord(IotlbInvalidation.Granularity.GLOBAL, true, true, 0)).isEqualTo(0xd2L);
    assertThat(IotlbInvalidation.hiWord(0xfff00000L, 8, false)).isEqualTo(0xfff00008L);
    assertThat(IotlbInvalidation.hiWord(0x7000_0000L, 5, true)).isEqualTo(0x7000_0045L); // IH is bit 6
  }

  @Test
  void iotlbFieldsReadFromTheWords() {
    long lo = 0xf2L | 0xBEEFL << 16; // PSI, DR, DW, DID 0xBEEF
    long hi = 0x1234_5000L | 1 << 6 | 9; // ADDR, IH, AM 9
    assertThat(IotlbInvalidation.granularityOf(lo)).isEqualTo(3);
    assertThat(IotlbInvalidation.didOf(lo)).isEqualTo(0xBEEF);
    assertThat(IotlbInvalidation.addressOf(hi)).isEqualTo(0x1234_5000L);
    assertThat(IotlbInvalidation.amOf(hi)).isEqualTo(9);
    assertThat(IotlbInvalidation.ihOf(hi)).isTrue();
    assertThat(IotlbInvalidation.problem(lo, hi)).isNull();
    assertThat(IotlbInvalidation.fromWords(lo, hi)).isEqualTo(IotlbInvalidation.page(0xBEEF, 0x1234_5000L, 9, true, true, true));
  }

  @Test
  void iotlbProblemsAreTheDecodersReasons() {
    assertThat(IotlbInvalidation.problem(0x12L | 1L << 8, 0)).contains("reserved bits"); // lo bit 8
    assertThat(IotlbInvalidation.problem(0x32L, 1L << 7)).contains("reserved bits"); // hi bit 7
    assertThat(IotlbInvalidation.problem(0x02L, 0)).contains("granularity 0");
    assertThatThrownBy(() -> IotlbInvalidation.fromWords(0x02L, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("granularity 0");
  }

  @Test
  void waitWordsWithoutAnObject() {
    assertThat(InvalidationWait.statusWriteLo(InvalidationWait.QI_DONE)).isEqualTo(0x0000000200000025L);
    assertThat(InvalidationWait.statusWriteLo(-1)).isEqualTo(0xFFFF_FFFF_0000_0025L);
    assertThat(InvalidationWait.statusDataOf(0x0000_00AB_0000_0025L)).isEqualTo(0xAB);
    assertThat(InvalidationWait.statusAddressOf(0x1234_5678L)).isEqualTo(0x1234_5678L);
    assertThat(InvalidationWait.problem(0x25L, 0x1000, false)).isNull();
    assertThat(InvalidationWait.problem(0x05L, 0x1000, false)).contains("none of IF, SW, FN");
    assertThat(InvalidationWait.problem(0xA5L, 0x1000, false)).contains("reserved bits"); // PD without ECAP.PDS
    assertThat(InvalidationWait.problem(0xA5L, 0x1000, true)).isNull();
    assertThat(InvalidationWait.problem(0x25L, 0x1001, true)).contains("reserved bits"); // hi 1:0
  }

  private static void assertMalformed(long lo, long hi, String reason) {
    assertThat(InvalidationDescriptor.decode(lo, hi, false))
        .isInstanceOfSatisfying(InvalidationDescriptor.Malformed.class, m -> assertThat(m.reason()).contains(reason));
  }
}
