package io.vtdsim.harness.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.harness.testbed.TestBed;
import io.vtdsim.harness.testbed.TestBedBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The oracle on an emulated unit that reports no superpage sizes (CAP.SLLPS = 0) while the guest
 * writes a PS=1 level-2 entry anyway. VT-d spec 9.8: PS is reserved at a level whose page size
 * SLLPS does not report, so the entry translates nothing (a DMA through it faults) and a correct
 * shadow maps nothing for it. (QEMU's unit always reports 2 MiB and 1 GiB, VTD_CAP_SLLPS, so its
 * vtd_slpte_nonzero_rsvd never meets this case.) On a unit that does report 2 MiB the same entry is
 * a 2 MiB leaf, which the intent does not hold. The context is re-attached so that every strategy
 * reads the tables again.
 */
class SuperpageWithoutSllpsTest {
  static final long PAGE_IOVA = 0x4000_0000L;
  static final long PS_IOVA = 0x4020_0000L; // the next 2 MiB slot in the same level-2 table
  static final long PS_TARGET = 0x0200_0000L;

  /** The guest-physical address of the level-2 entry for {@code iova}, read with the spec codecs. */
  static long level2Entry(GuestMemory mem, long root, int levels, long iova) {
    long table = root;
    for (int level = levels; level > 2; level--) {
      table = SecondLevelPte.addressOf(mem.read64(table + 8L * AddressWidth.levelIndex(iova, level)));
    }
    return table + 8L * AddressWidth.levelIndex(iova, 2);
  }

  private static TestBed bedWithAPsEntry(TestBedBuilder b) {
    TestBed bed = b.assigned("nic", "00:03.0").build();
    bed.boot();
    bed.attach("nic", "d1");
    bed.map("d1", PAGE_IOVA, 0x0100_0000L, 0x1000, true, true);
    assertThat(bed.check()).isEmpty();
    long pde = level2Entry(bed.memory(), bed.driver().pageTableRoot("d1"), bed.driver().agaw() + 2, PS_IOVA);
    assertThat(bed.memory().read64(pde)).isZero();
    bed.memory().write64(pde, PS_TARGET | SecondLevelPte.PS | SecondLevelPte.R | SecondLevelPte.W);
    bed.detach("nic");
    bed.attach("nic", "d1");
    return bed;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"psi-only", "unmap-all-replay", "iova-tree"})
  void withoutSuperpagesThePsEntryTranslatesNothing(String strategy) {
    try (TestBed bed = bedWithAPsEntry(TestBed.builder().superpages().shadowSync(strategy))) {
      assertThat(bed.vtdConfig().cap().sllps()).isZero();
      assertThat(bed.check()).isEmpty();
      assertThat(bed.oracle().walker().leaves(bed.unit().rootTableAddress(), bed.sid("nic").sid()))
          .containsExactly(new MappedRange(PAGE_IOVA, 0x0100_0000L, 0x1000, true, true));
      assertThat(bed.host("nic").lookup(PS_IOVA)).isEmpty();
      assertThat(bed.dma("nic", PS_IOVA + 0x1000, false, 8, false)).isEmpty(); // faults, as expected
      assertThat(bed.dma("nic", PAGE_IOVA, false, 8, true)).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"unmap-all-replay", "iova-tree"})
  void with2MiBPagesThePsEntryIsALeafTheIntentLacks(String strategy) {
    try (TestBed bed = bedWithAPsEntry(TestBed.builder().superpages("2M").shadowSync(strategy))) {
      assertThat(bed.check()).singleElement().satisfies(v -> {
        assertThat(v.kind()).isEqualTo(Violation.STALE_MAPPING);
        assertThat(v.iova()).isEqualTo(PS_IOVA);
        assertThat(v.size()).isEqualTo(2L << 20);
        assertThat(v.detail()).contains("(intent); guest table maps");
      });
      assertThat(bed.oracle().walker().leaves(bed.unit().rootTableAddress(), bed.sid("nic").sid()))
          .containsExactly(new MappedRange(PAGE_IOVA, 0x0100_0000L, 0x1000, true, true),
              new MappedRange(PS_IOVA, PS_TARGET, 2L << 20, true, true));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"2M", "2M,1G"})
  void aPsLevel3EntryIsA1GiBLeafOnlyWhereTheUnitReports1GiB(String sizes) {
    try (TestBed bed = TestBed.builder().superpages(sizes.split(",")).assigned("nic", "00:03.0").build()) {
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", PAGE_IOVA, 0x0100_0000L, 0x1000, true, true);
      GuestMemory mem = bed.memory();
      long root = bed.driver().pageTableRoot("d1");
      int levels = bed.driver().agaw() + 2;
      // the level-3 table of PAGE_IOVA (slot 1) also holds slot 2: IOVA 0x8000_0000
      long l3 = SecondLevelPte.addressOf(mem.read64(root + 8L * AddressWidth.levelIndex(PAGE_IOVA, levels)));
      for (int level = levels - 1; level > 3; level--) {
        l3 = SecondLevelPte.addressOf(mem.read64(l3 + 8L * AddressWidth.levelIndex(PAGE_IOVA, level)));
      }
      mem.write64(l3 + 8L * 2, 0x4000_0000L | SecondLevelPte.PS | SecondLevelPte.R | SecondLevelPte.W);
      var leaves = bed.oracle().walker().leaves(bed.unit().rootTableAddress(), bed.sid("nic").sid());
      MappedRange page = new MappedRange(PAGE_IOVA, 0x0100_0000L, 0x1000, true, true);
      if (sizes.contains("1G")) {
        assertThat(leaves).containsExactly(page, new MappedRange(0x8000_0000L, 0x4000_0000L, 1L << 30, true, true));
      } else {
        assertThat(leaves).containsExactly(page);
      }
    }
  }

  @Test
  void theOracleReadsReservedBitsOffTheUnitsCapabilities() {
    // SNP (bit 11) is reserved without ECAP.SC, address bits at and above HAW are reserved (spec 9.8)
    try (TestBed bed = TestBed.builder().assigned("nic", "00:03.0").build()) {
      assertThat(MachineView.of(bed.unit()).translationEnabled()).isFalse(); // GSTS.TES before boot
      bed.boot();
      bed.attach("nic", "d1");
      bed.map("d1", PAGE_IOVA, 0x0100_0000L, 0x1000, true, true);
      bed.map("d1", PAGE_IOVA + 0x2000, 0x0100_2000L, 0x1000, true, true);
      bed.map("d1", PAGE_IOVA + 0x4000, 0x0100_4000L, 0x1000, true, true);
      assertThat(bed.vtdConfig().ecap().sc()).isFalse();
      int haw = bed.vtdConfig().hostAddressWidth();
      assertThat(haw).isBetween(39, 51);
      long root = bed.driver().pageTableRoot("d1");
      int levels = bed.driver().agaw() + 2;
      GuestMemory mem = bed.memory();
      long pte0 = level2Entry(mem, root, levels, PAGE_IOVA);
      long l1 = SecondLevelPte.addressOf(mem.read64(pte0));
      mem.write64(l1, mem.read64(l1) | SecondLevelPte.SNP);
      mem.write64(l1 + 16, (1L << haw) | 0x0100_2000L | SecondLevelPte.R | SecondLevelPte.W);
      mem.write64(l1 + 32, (1L << (haw - 1)) | 0x0100_4000L | SecondLevelPte.R | SecondLevelPte.W);
      assertThat(HostView.of(bed.host("nic")).lookup(PAGE_IOVA + 0x800))
          .contains(new MappedRange(PAGE_IOVA, 0x0100_0000L, 0x1000, true, true));
      assertThat(HostView.of(bed.host("nic")).lookup(PAGE_IOVA + 0x1000)).isEmpty();
      var mv = MachineView.of(bed.unit());
      assertThat(mv.translationEnabled()).isTrue();
      assertThat(mv.rootTableAddress()).isEqualTo(bed.driver().rootTableAddress());
      assertThat(bed.oracle().walker().leaves(bed.unit().rootTableAddress(), bed.sid("nic").sid()))
          .containsExactly(new MappedRange(PAGE_IOVA + 0x4000, (1L << (haw - 1)) | 0x0100_4000L, 0x1000, true, true));
    }
  }
}
