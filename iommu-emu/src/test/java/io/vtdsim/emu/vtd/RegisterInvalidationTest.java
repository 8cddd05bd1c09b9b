package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextCommand;
import io.vtdsim.emu.spec.InvalidateAddress;
import io.vtdsim.emu.spec.IotlbCommand;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Register-based invalidation (VT-d spec 6.5.1, 11.4.7, 11.4.8) as QEMU's vtd_handle_ccmd_write /
 * vtd_handle_iotlb_write (hw/i386/intel_iommu.c).
 */
class RegisterInvalidationTest {
  static final int IVA = 0xF0; // ECAP.IRO 0xF × 16
  static final int IOTLB = 0xF8;

  VtdTestBed bed;

  @BeforeEach
  void setUp() {
    bed = VtdTestBed.qemu72();
  }

  private static long ccmd(int cirg, int did, int sid, int fm) {
    return new ContextCommand(true, cirg, 0, fm, sid, did).encode();
  }

  private static long iotlb(int iirg, int did) {
    return new IotlbCommand(true, iirg, 0, false, false, did).encode();
  }

  @Test
  void globalContextInvalidation() {
    bed.w64(Registers.CCMD, ccmd(1, 0, 0, 0));
    ContextCommand done = ContextCommand.decode(bed.r64(Registers.CCMD));
    assertThat(done.icc()).isFalse();
    assertThat(done.caig()).isEqualTo(1);
    assertThat(bed.translatorCalls()).containsExactly("invalidateContextGlobal()");
    assertThat(bed.observer.invalidations).containsExactly(ContextCacheInvalidation.global());
    assertThat(bed.events(RegisterInvalidation.EV_INVALIDATION).get(0).attrs())
        .containsEntry("desc", "cc-global").containsEntry("caig", 1);
  }

  @Test
  void domainContextInvalidationFlushesGloballyAndReportsCaigGlobal() {
    bed.w64(Registers.CCMD, ccmd(2, 7, 0, 0));
    assertThat(ContextCommand.decode(bed.r64(Registers.CCMD)).caig()).isEqualTo(1); // as QEMU
    assertThat(bed.translatorCalls()).containsExactly("invalidateContextGlobal()");
    assertThat(bed.observer.invalidations).containsExactly(ContextCacheInvalidation.domain(7));
    assertThat(bed.events(RegisterInvalidation.EV_INVALIDATION).get(0).attrs()).containsEntry("desc", "cc-domain");
  }

  @Test
  void deviceContextInvalidationUsesSidAndFm() {
    bed.w64(Registers.CCMD, ccmd(3, 7, 0x0310, 2));
    ContextCommand done = ContextCommand.decode(bed.r64(Registers.CCMD));
    assertThat(done.caig()).isEqualTo(3);
    assertThat(done.sid()).isZero(); // write-only
    assertThat(bed.translatorCalls()).containsExactly("invalidateContextDevice(0x0310, 2)");
    assertThat(bed.observer.invalidations).containsExactly(ContextCacheInvalidation.device(7, 0x0310, 2));
  }

  @Test
  void cirgZeroReportsCaigZeroAndDoesNothing() {
    bed.w64(Registers.CCMD, ccmd(0, 0, 0, 0));
    ContextCommand done = ContextCommand.decode(bed.r64(Registers.CCMD));
    assertThat(done.icc()).isFalse();
    assertThat(done.caig()).isZero();
    assertThat(bed.translatorCalls()).isEmpty();
    assertThat(bed.observer.invalidations).isEmpty();
  }

  @Test
  void aLowHalfWriteOnlyStoresAndTheHighHalfTriggers() {
    long value = ccmd(3, 7, 0x0310, 1);
    bed.w32(Registers.CCMD, (int) value);
    assertThat(bed.translatorCalls()).isEmpty();
    bed.w32(Registers.CCMD + 4, (int) (value >>> 32));
    assertThat(bed.translatorCalls()).containsExactly("invalidateContextDevice(0x0310, 1)");
    assertThat(ContextCommand.decode(bed.r64(Registers.CCMD)).caig()).isEqualTo(3);
  }

  @Test
  void globalAndDomainIotlbInvalidation() {
    bed.w64(IOTLB, iotlb(1, 0));
    IotlbCommand done = IotlbCommand.decode(bed.r64(IOTLB));
    assertThat(done.ivt()).isFalse();
    assertThat(done.iaig()).isEqualTo(1);
    assertThat(bed.translatorCalls()).containsExactly("invalidateIotlbGlobal()");

    bed.w64(IOTLB, new IotlbCommand(true, 2, 0, true, true, 9).encode());
    done = IotlbCommand.decode(bed.r64(IOTLB));
    assertThat(done.iaig()).isEqualTo(2);
    assertThat(bed.translatorCalls()).containsExactly("invalidateIotlbGlobal()", "invalidateIotlbDomain(9)");
    assertThat(bed.observer.invalidations)
        .containsExactly(IotlbInvalidation.global(false, false), IotlbInvalidation.domain(9, true, true));
    assertThat(bed.events(RegisterInvalidation.EV_INVALIDATION))
        .extracting(e -> e.attrs().get("desc")).containsExactly("iotlb-global", "iotlb-dsi");
  }

  @Test
  void pageSelectiveIotlbInvalidationTakesAddressAndMaskFromIva() {
    bed.w64(IVA, new InvalidateAddress(0x12_3400_0000L, true, 9).encode());
    bed.w64(IOTLB, iotlb(3, 5));
    assertThat(IotlbCommand.decode(bed.r64(IOTLB)).iaig()).isEqualTo(3);
    assertThat(bed.translatorCalls()).containsExactly("invalidateIotlbPage(5, 0x1234000000, 9, true)");
    assertThat(bed.observer.invalidations)
        .containsExactly(IotlbInvalidation.page(5, 0x12_3400_0000L, 9, true, false, false));
  }

  @Test
  void pageSelectiveWithAmAboveMamvAndIirgZeroReportIaigZero() {
    bed.w64(IVA, new InvalidateAddress(0, false, 19).encode()); // MAMV 18
    bed.w64(IOTLB, iotlb(3, 5));
    IotlbCommand done = IotlbCommand.decode(bed.r64(IOTLB));
    assertThat(done.ivt()).isFalse();
    assertThat(done.iaig()).isZero();
    bed.w64(IOTLB, iotlb(0, 5));
    assertThat(IotlbCommand.decode(bed.r64(IOTLB)).iaig()).isZero();
    assertThat(bed.translatorCalls()).isEmpty();
    assertThat(bed.observer.invalidations).isEmpty();
  }

  @Test
  void iotlbHighHalfWriteTriggers() {
    long value = iotlb(2, 4);
    bed.w32(IOTLB, (int) value);
    assertThat(bed.translatorCalls()).isEmpty();
    bed.w32(IOTLB + 4, (int) (value >>> 32));
    assertThat(bed.translatorCalls()).containsExactly("invalidateIotlbDomain(4)");
  }

  @Test
  void ignoredWhileQueuedInvalidationIsEnabled() {
    bed.enableQueue(0x10_0000, 0);
    bed.w64(Registers.CCMD, ccmd(1, 0, 0, 0));
    bed.w64(IOTLB, iotlb(1, 0));
    // as QEMU: nothing happens and ICC / IVT stay set forever
    assertThat(ContextCommand.decode(bed.r64(Registers.CCMD)).icc()).isTrue();
    assertThat(IotlbCommand.decode(bed.r64(IOTLB)).ivt()).isTrue();
    assertThat(bed.observer.invalidations).isEmpty();
    assertThat(bed.events(RegisterInvalidation.EV_IGNORED))
        .extracting(e -> e.attrs().get("register")).containsExactly("CCMD", "IOTLB");
    assertThat(bed.events(RegisterInvalidation.EV_INVALIDATION)).isEmpty();
  }
}
