package io.vtdsim.emu.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The 256-bit-queue descriptors (VT-d spec 6.5.2.2, 6.5.2.4, 6.5.2.6) against the quadwords Linux
 * builds (qi_flush_piotlb, qi_flush_pasid_cache, qi_flush_dev_iotlb_pasid with the QI_EIOTLB_*,
 * QI_PC_* and QI_DEV_EIOTLB_* macros) and QEMU's reserved masks.
 */
class ScalableDescriptorCodecTest {
  @Test
  void pasidIotlbAsLinuxFlushesIt() {
    // QI_EIOTLB_PASID(p) << 32 | QI_EIOTLB_DID(2) << 16 | QI_EIOTLB_GRAN(QI_GRAN_PSI_PASID = 3) << 4 | type 6
    PasidIotlbInvalidation psi = PasidIotlbInvalidation.page(2, 0, 0x10000, 0, false);
    assertThat(psi.lo()).isEqualTo(0x20036L);
    assertThat(psi.hi()).isEqualTo(0x10000L);
    assertThat(PasidIotlbInvalidation.page(2, 0, 0x10000, 4, true).hi()).isEqualTo(0x10044L); // IH 6, AM 5:0
    // QI_GRAN_NONG_PASID = 2: all mappings of PASID 5 in DID 2
    PasidIotlbInvalidation all = PasidIotlbInvalidation.pasid(2, 5);
    assertThat(all.lo()).isEqualTo(0x5_0002_0026L);
    assertThat(all.hi()).isZero();
    assertThat(InvalidationDescriptor.type(all.lo())).isEqualTo(InvalidationDescriptor.TYPE_PASID_IOTLB);
    assertThat(PasidIotlbInvalidation.page(1, 0, 0x13000, 2, false).alignedBase()).isEqualTo(0x10000L);
  }

  @Test
  void pasidCacheAsLinuxFlushesIt() {
    // QI_PC_DID(2) | QI_PC_GRAN(QI_PC_PASID_SEL = 1) | QI_PC_PASID(5) | QI_PC_TYPE (7)
    assertThat(PasidCacheInvalidation.pasid(2, 5).lo()).isEqualTo(0x5_0002_0017L);
    assertThat(PasidCacheInvalidation.domain(2).lo()).isEqualTo(0x20007L); // QI_PC_ALL_PASIDS = 0
    assertThat(PasidCacheInvalidation.global().lo()).isEqualTo(0x37L); // QI_PC_GLOBAL = 3
  }

  @Test
  void pasidDeviceTlbAsLinuxFlushesIt() {
    // QI_DEV_EIOTLB_PASID(0) | SID(0x18) << 16 | QDEP(0x10) << 4 | type 8 | PFSID 3:0 << 12, 15:4 << 52
    PasidDeviceTlbInvalidation d = new PasidDeviceTlbInvalidation(0x18, 0x18, 0x10, 0, false, 0x10000, false);
    assertThat(d.lo()).isEqualTo(0x0010_0000_0018_8108L);
    assertThat(d.hi()).isEqualTo(0x10000L);
    assertThat(d.coveredSize()).isEqualTo(4096);
    // QI_DEV_EIOTLB_SIZE (bit 11): ADDR bit 12 clear = 8 KiB, bits 13:12 = 01b = 16 KiB (the PCIe ATS
    // size encoding); QI_DEV_EIOTLB_GLOB bit 0
    PasidDeviceTlbInvalidation two = new PasidDeviceTlbInvalidation(0x18, 0, 0, 7, true, 0x10000, true);
    assertThat(two.hi()).isEqualTo(0x10801L);
    assertThat(two.coveredSize()).isEqualTo(8192);
    assertThat(new PasidDeviceTlbInvalidation(0x18, 0, 0, 7, false, 0x11000, true).coveredSize()).isEqualTo(16384);
  }

  @Test
  void wideDecodeRoundTripsEveryNewType() {
    InvalidationDescriptor[] all = {
      PasidIotlbInvalidation.page(7, 0x12345, 0x7000_0000L, 3, true),
      PasidIotlbInvalidation.pasid(1, 0),
      PasidCacheInvalidation.global(),
      PasidCacheInvalidation.domain(9),
      PasidCacheInvalidation.pasid(9, 0xFFFFF),
      new PasidDeviceTlbInvalidation(0x1f2, 0xABCD, 31, 0x400, false, 0x5000, false),
    };
    for (InvalidationDescriptor d : all) {
      assertThat(InvalidationDescriptor.decodeWide(d.lo(), d.hi(), false)).isEqualTo(d);
    }
    // a legacy descriptor decodes as before in a wide queue
    IotlbInvalidation psi = IotlbInvalidation.page(3, 0x1000, 0, false, true, true);
    assertThat(InvalidationDescriptor.decodeWide(psi.lo(), psi.hi(), false)).isEqualTo(psi);
    // the legacy decoder still rejects the new types (128-bit queues)
    assertThat(InvalidationDescriptor.decode(0x20036L, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
  }

  @Test
  void reservedBitsAndGranularitiesAreRejected() {
    // VTD_INV_DESC_PIOTLB_RSVD_VAL0 0xfff000000000f1c0, VAL1 0xf80
    assertThat(InvalidationDescriptor.decodeWide(0x20036L | 1L << 7, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    assertThat(InvalidationDescriptor.decodeWide(0x20036L | 1L << 52, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    assertThat(InvalidationDescriptor.decodeWide(0x20036L, 1L << 7, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    assertThat(InvalidationDescriptor.decodeWide(0x20006L, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class); // G 00b
    assertThat(InvalidationDescriptor.decodeWide(0x20016L, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class); // G 01b
    // PASID cache: G 10b reserved, Q1 reserved
    assertThat(InvalidationDescriptor.decodeWide(0x27L, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    assertThat(InvalidationDescriptor.decodeWide(0x37L, 1, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    assertThat(InvalidationDescriptor.decodeWide(0x37L | 1L << 8, 0, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    // PASID device-TLB: Q1 bits 10:1 reserved
    assertThat(InvalidationDescriptor.decodeWide(0x8L, 1L << 1, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
    assertThat(InvalidationDescriptor.decodeWide(0x8L, 1L << 10, false)).isInstanceOf(InvalidationDescriptor.Malformed.class);
  }

  @Test
  void describeForTraces() {
    assertThat(PasidIotlbInvalidation.page(2, 0, 0x10000, 0, false).describe())
        .isEqualTo("PASID-IOTLB PSI DID=2 PASID=0 ADDR=0x10000 AM=0");
    assertThat(PasidIotlbInvalidation.pasid(2, 5).describe()).isEqualTo("PASID-IOTLB PASID DID=2 PASID=5");
    assertThat(PasidCacheInvalidation.pasid(2, 5).describe()).isEqualTo("PASID-cache PASID DID=2 PASID=5");
    assertThat(PasidCacheInvalidation.global().describe()).isEqualTo("PASID-cache global");
  }
}
