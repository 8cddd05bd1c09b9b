package io.vtdsim.emu.vtd.qi;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.DeviceTlbInvalidation;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.InterruptEntryCacheInvalidation;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdTestBed;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queued invalidation (VT-d spec 6.5.2) executed inline in the IQT write, as QEMU's
 * vtd_fetch_inv_desc / vtd_process_inv_desc (hw/i386/intel_iommu.c): each legacy descriptor's effect on the caches and the
 * caching-mode observer, waits, and the head register.
 */
class QueuedInvalidationTest {
  static final long QUEUE = 0x10_0000;
  static final long STATUS = 0x8000;

  VtdTestBed bed;

  @BeforeEach
  void setUp() {
    bed = VtdTestBed.qemu72();
    bed.enableQueue(QUEUE, 0);
  }

  private List<Event> descriptors() {
    return bed.events(InvalidationQueue.EV_DESCRIPTOR);
  }

  @Test
  void contextCacheDescriptorsReachTheCachesAndTheObserver() {
    bed.submit(ContextCacheInvalidation.global(), ContextCacheInvalidation.domain(3),
        ContextCacheInvalidation.device(3, 0x0108, 3));
    assertThat(bed.translatorCalls()).containsExactly(
        "invalidateContextGlobal()", "invalidateContextDomain(3)", "invalidateContextDevice(0x0108, 3)");
    assertThat(bed.observer.invalidations).containsExactly(
        ContextCacheInvalidation.global(), ContextCacheInvalidation.domain(3),
        ContextCacheInvalidation.device(3, 0x0108, 3));
    assertThat(descriptors()).extracting(e -> e.attrs().get("desc"))
        .containsExactly("cc-global", "cc-domain", "cc-device");
    assertThat(bed.head()).isEqualTo(3);
  }

  @Test
  void iotlbDescriptorsReachTheCachesAndTheObserver() {
    IotlbInvalidation psi = IotlbInvalidation.page(4, 0x40_0000, 9, true, false, true);
    bed.submit(IotlbInvalidation.global(true, true), IotlbInvalidation.domain(4, false, false), psi);
    assertThat(bed.translatorCalls()).containsExactly(
        "invalidateIotlbGlobal()", "invalidateIotlbDomain(4)", "invalidateIotlbPage(4, 0x400000, 9, true)");
    assertThat(bed.observer.invalidations).containsExactly(
        IotlbInvalidation.global(true, true), IotlbInvalidation.domain(4, false, false), psi);
    assertThat(descriptors()).extracting(e -> e.attrs().get("desc"))
        .containsExactly("iotlb-global", "iotlb-dsi", "iotlb-psi");
  }

  @Test
  void descriptorEventsCarryIndexAndRawWords() {
    IotlbInvalidation psi = IotlbInvalidation.page(4, 0x40_0000, 0, false, false, false);
    bed.submit(psi);
    Event e = descriptors().get(0);
    assertThat(e.attrs()).containsEntry("index", 0).containsEntry("lo", psi.lo()).containsEntry("hi", psi.hi());
    assertThat(e.detail()).isEqualTo(psi.describe());
  }

  @Test
  void deviceTlbAndInterruptEntryCacheDescriptorsCompleteAtOnce() {
    bed.submit(new DeviceTlbInvalidation(0x0100, 0, 0x5000, false),
        new InterruptEntryCacheInvalidation(false, 0, 0));
    assertThat(descriptors()).extracting(e -> e.attrs().get("desc")).containsExactly("devtlb", "iec");
    assertThat(bed.head()).isEqualTo(2);
    assertThat(bed.fsts()).isZero();
    assertThat(bed.observer.invalidations).isEmpty();
  }

  @Test
  void waitWithStatusWriteStoresTheDataAfterTheEarlierDescriptors() {
    bed.submit(IotlbInvalidation.global(false, false), InvalidationWait.statusWrite(InvalidationWait.QI_DONE, STATUS));
    assertThat(bed.memory.read32(STATUS)).isEqualTo(InvalidationWait.QI_DONE);
    assertThat(bed.translatorCalls()).containsExactly("invalidateIotlbGlobal()");
    assertThat(bed.events(InvalidationQueue.EV_WAIT_COMPLETE)).singleElement()
        .satisfies(e -> assertThat(e.attrs()).containsEntry("index", 1));
    assertThat(bed.r32(Registers.ICS)).isZero(); // no IF: no IWC
  }

  @Test
  void waitWithInterruptFlagSetsIwcAndRaisesTheCompletionEventHonouringIm() {
    bed.w32(Registers.IEDATA, 0x51);
    bed.w32(Registers.IEADDR, 0xFEE0_1000);
    bed.submit(new InvalidationWait(true, false, false, false, 0, 0));
    assertThat(bed.r32(Registers.ICS)).isEqualTo(FaultStatus.IWC);
    // IECTL.IM is set at reset: IP pending, no message yet
    assertThat(bed.r32(Registers.IECTL)).isEqualTo(FaultStatus.IM | FaultStatus.IP);
    assertThat(bed.msis).isEmpty();
    bed.w32(Registers.IECTL, 0);
    assertThat(bed.msis).containsExactly(new VtdTestBed.Msi(0xFEE0_1000L, 0x51));
    assertThat(bed.r32(Registers.IECTL)).isZero();

    // while IWC is still set a new IF wait raises nothing (as QEMU)
    bed.submit(new InvalidationWait(true, false, false, false, 0, 0));
    assertThat(bed.msis).hasSize(1);
    bed.w32(Registers.ICS, FaultStatus.IWC); // W1C
    assertThat(bed.r32(Registers.ICS)).isZero();
    bed.submit(new InvalidationWait(true, true, false, false, 7, STATUS));
    assertThat(bed.msis).hasSize(2);
    assertThat(bed.memory.read32(STATUS)).isEqualTo(7);
  }

  @Test
  void clearingIwcDropsAMaskedPendingCompletionEvent() {
    bed.submit(new InvalidationWait(true, false, false, false, 0, 0));
    bed.w32(Registers.ICS, FaultStatus.IWC);
    assertThat(bed.r32(Registers.IECTL)).isEqualTo(FaultStatus.IM);
    bed.w32(Registers.IECTL, 0);
    assertThat(bed.msis).isEmpty();
  }

  @Test
  void observersReturnBeforeTheFollowingWaitWritesItsStatus() {
    List<Integer> statusSeenByObserver = new java.util.ArrayList<>();
    bed.unit.addObserver(new io.vtdsim.emu.vtd.RemappingObserver() {
      @Override
      public void iotlbInvalidated(IotlbInvalidation invalidation) {
        statusSeenByObserver.add(bed.memory.read32(STATUS));
      }
    });
    bed.submit(IotlbInvalidation.domain(1, false, false), InvalidationWait.statusWrite(2, STATUS));
    assertThat(statusSeenByObserver).containsExactly(0);
    assertThat(bed.memory.read32(STATUS)).isEqualTo(2);
  }

  @Test
  void descriptorsBeyondTheEndWrapToIndexZero() {
    for (int i = 0; i < 250; i++) bed.putRaw(new InterruptEntryCacheInvalidation(false, 0, 0).lo(), 0);
    bed.writeTail();
    assertThat(bed.head()).isEqualTo(250);
    bed.submit(ContextCacheInvalidation.global(), IotlbInvalidation.global(false, false),
        IotlbInvalidation.domain(1, false, false), IotlbInvalidation.domain(2, false, false),
        IotlbInvalidation.domain(3, false, false), IotlbInvalidation.domain(4, false, false),
        IotlbInvalidation.domain(5, false, false), InvalidationWait.statusWrite(2, STATUS));
    assertThat(bed.head()).isEqualTo(2);
    assertThat(bed.r64(Registers.IQH)).isEqualTo(0x20);
    assertThat(bed.memory.read32(STATUS)).isEqualTo(2);
    assertThat(descriptors()).hasSize(258);
    assertThat(descriptors().get(257).attrs()).containsEntry("index", 1);
  }
}
