package io.vtdsim.driver.flush;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.driver.DriverPreset;
import io.vtdsim.driver.FlushPolicyName;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.IotlbInvalidation;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PSI mask and PSI/DSI decisions (iommu_flush_iotlb_psi; calculate_psi_aligned_address in drivers/iommu/intel/cache.c). */
class FlushPolicyTest {
  /**
   * QEMU 7.2's CAP at aw-bits 48 as a Linux 6.1 guest reads it (docs/linux-6.1-trace.md; QEMU's
   * vtd_cap_init in hw/i386/intel_iommu.c): PSI=1, MAMV=18.
   */
  static final Capability QEMU = Capability.decode(0x00d2008c222f0686L);

  @ParameterizedTest(name = "pfn {0} pages {1}: AM {2} plain, {3} corrected")
  @CsvSource({
      // pfn, pages, log2(roundup_pow_of_two(pages)), with the ≥5.18 correction
      "0x0, 1, 0, 0",
      "0x0, 2, 1, 1",
      "0x0, 3, 2, 2",
      "0x100, 256, 8, 8",
      "0x100, 257, 9, 10", // 0x100..0x200 crosses a 512-page boundary: a 1024-page block
      "0x17f, 2, 1, 8",   // the commit message's example: pfn 0x17f with 2 pages needs AM 8
      "0x17f, 3, 2, 8",
      "0x1, 1, 0, 0",
      "0x3, 2, 1, 3",     // 0b011..0b100 first agree at bit 3
      "0x10, 16, 4, 4"})
  void psiMaskTable(String pfnHex, long pages, int plain, int corrected) {
    long pfn = Long.decode(pfnHex);
    assertThat(PsiMask.of(pages)).isEqualTo(plain);
    int c = PsiMask.corrected(pfn, pages);
    assertThat(c).isEqualTo(corrected);
    long block = 1L << c;
    long base = pfn & ~(block - 1);
    assertThat(pfn + pages).as("corrected mask covers the whole range").isLessThanOrEqualTo(base + block);
  }

  @Test
  void theOneObjectFreePsiIsTheDecisionRangeMakes() {
    // Flusher's hot path (nobody listening) sends singlePsiMask/psiAddress instead of range(): every
    // preset, policy, map flag and a spread of ranges must give the same PSI, or none on both sides
    Capability smallMamv = QEMU.toBuilder().mamv(2).build();
    Capability noPsi = QEMU.toBuilder().psi(false).build();
    long[][] ranges = {{0x0, 1}, {0x200, 1}, {0x17f, 2}, {0x17f, 3}, {0x100, 257}, {0x3, 2}, {0x1000, 1 << 20}};
    int singles = 0;
    for (Capability cap : List.of(QEMU, smallMamv, noPsi)) {
      for (DriverPreset preset : DriverPreset.values()) {
        for (FlushPolicyName name : FlushPolicyName.values()) {
          FlushPolicy p = new FlushPolicy(preset, name, cap);
          for (long[] r : ranges) {
            for (boolean map : new boolean[] {false, true}) {
              List<Flush> decided = p.range(5, r[0], r[1], false, map);
              int am = p.singlePsiMask(r[0], r[1], map);
              boolean onePsi = decided.size() == 1 && decided.get(0).kind() == Flush.Kind.PSI;
              String what = String.format("PSI %s %s %s pfn 0x%x +%d map %s", cap.psi(), preset, name, r[0], r[1], map);
              // strict-psi's one chunk is a PSI too, but with its own reason: it keeps the slow path
              assertThat(am >= 0).as(what).isEqualTo(onePsi && name != FlushPolicyName.STRICT_PSI);
              if (am >= 0) {
                singles++;
                assertThat(am).isEqualTo(decided.get(0).am());
                assertThat(p.psiAddress(r[0], am)).isEqualTo(decided.get(0).address());
              }
            }
          }
        }
      }
    }
    assertThat(singles).isPositive();
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.LINUX, QEMU).singlePsiMask(0x17f, 3, false))
        .isEqualTo(8);
    // 6.10+ aligns ADDR down to the 2^AM block (cache.c); 6.1 sends pfn << 12 as it is
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.LINUX, QEMU).psiAddress(0x17f, 8)).isEqualTo(0x100000L);
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.LINUX, QEMU).psiAddress(0x17f, 8)).isEqualTo(0x17f000L);
  }

  @Test
  void unalignedRangeIsCorrectedFrom518AndUndershootsBefore() {
    FlushPolicy p510 = new FlushPolicy(DriverPreset.LINUX_5_10, FlushPolicyName.LINUX, QEMU);
    FlushPolicy p518 = new FlushPolicy(DriverPreset.LINUX_5_18, FlushPolicyName.LINUX, QEMU);
    FlushPolicy undershoot = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.UNALIGNED_UNDERSHOOT, QEMU);
    long last = 0x17fL + 2; // the range is pfn 0x17f, 0x180, 0x181
    assertThat(p518.range(3, 0x17f, 3, false, false)).hasSize(1);
    Flush corrected = p518.range(3, 0x17f, 3, false, false).get(0);
    assertThat(corrected).extracting(Flush::kind, Flush::address, Flush::am).containsExactly(Flush.Kind.PSI, 0x17f000L, 8);
    assertThat(coveredPfns(corrected)).as("≥5.18: the block the hardware invalidates")
        .contains(0x17fL, 0x180L, last);
    for (FlushPolicy old : List.of(p510, undershoot)) {
      Flush f = old.range(3, 0x17f, 3, false, false).get(0);
      assertThat(f.kind()).isEqualTo(Flush.Kind.PSI);
      assertThat(f.am()).isEqualTo(2);
      // the hardware ignores ADDR's low AM bits: the block is pfn 0x17c..0x17f, missing 0x180 and 0x181
      assertThat(coveredPfns(f)).as("pre-5.18: the block the hardware invalidates")
          .contains(0x17fL).doesNotContain(0x180L, last);
      assertThat(f.reason()).contains("undershoot");
    }
  }

  /**
   * The pfns a PSI invalidates as the hardware reads it (VT-d spec 6.5.2.3: ADDR with its
   * low AM bits ignored, 2^AM pages), from the descriptor the driver would queue.
   */
  private static List<Long> coveredPfns(Flush f) {
    InvalidationDescriptor queued = f.descriptor(true, true, false);
    // decoded from the quadwords, as the unit reads them from the queue
    IotlbInvalidation seen = (IotlbInvalidation) InvalidationDescriptor.decode(queued.lo(), queued.hi(), false);
    assertThat(seen.granularity()).isEqualTo(IotlbInvalidation.Granularity.PAGE);
    long first = seen.alignedBase() >>> 12;
    return LongStream.range(first, first + (seen.coveredSize() >>> 12)).boxed().toList();
  }

  @Test
  void the612PsiAddressIsAlignedDownToTheMask() {
    FlushPolicy p612 = new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.LINUX, QEMU);
    Flush f = p612.range(2, 0x17f, 3, false, false).get(0);
    assertThat(f.address()).isEqualTo(0x100000L);
    assertThat(f.am()).isEqualTo(8);
  }

  @Test
  void dsiFallbackAtTheMamvBoundary() {
    FlushPolicy p = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.LINUX, QEMU);
    assertThat(p.range(2, 0, 1L << 18, true, false).get(0).kind()).isEqualTo(Flush.Kind.PSI);
    assertThat(p.range(2, 0, 1L << 18, true, false).get(0).am()).isEqualTo(18);
    Flush dsi = p.range(2, 0, (1L << 18) + 1, true, false).get(0);
    assertThat(dsi.kind()).isEqualTo(Flush.Kind.DSI);
    assertThat(dsi.reason()).contains("AM 19 > MAMV 18 → DSI");
    // an unaligned range whose corrected mask passes MAMV also becomes a DSI
    assertThat(p.range(2, (1L << 18) - 1, 2, true, false).get(0).kind()).isEqualTo(Flush.Kind.DSI);
    FlushPolicy small = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.LINUX, QEMU.withMamv(0));
    assertThat(small.range(2, 4, 1, false, false).get(0).kind()).isEqualTo(Flush.Kind.PSI);
    assertThat(small.range(2, 4, 2, false, false).get(0).kind()).isEqualTo(Flush.Kind.DSI);
  }

  @Test
  void dsiWhenPsiIsNotSupported() {
    FlushPolicy p = new FlushPolicy(DriverPreset.LINUX_5_10, FlushPolicyName.LINUX, QEMU.withPsi(false));
    Flush f = p.range(1, 0x10, 1, false, true).get(0);
    assertThat(f.kind()).isEqualTo(Flush.Kind.DSI);
    assertThat(f.reason()).contains("CAP.PSI=0");
  }

  @Test
  void strictPsiSplitsIntoAlignedChunksWithinMamv() {
    FlushPolicy p = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.STRICT_PSI, QEMU.withMamv(2));
    // pfn 3..12: 3(AM0) 4-7(AM2) 8-11(AM2) 12(AM0)
    assertThat(p.range(2, 3, 10, false, false)).extracting(Flush::address, Flush::am).containsExactly(
        org.assertj.core.groups.Tuple.tuple(0x3000L, 0), org.assertj.core.groups.Tuple.tuple(0x4000L, 2),
        org.assertj.core.groups.Tuple.tuple(0x8000L, 2), org.assertj.core.groups.Tuple.tuple(0xc000L, 0));
    FlushPolicy huge = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.STRICT_PSI, QEMU);
    assertThat(huge.range(2, 0, 1L << 20, false, false)).hasSize(4).allMatch(f -> f.kind() == Flush.Kind.PSI && f.am() == 18);
  }

  @Test
  void experimentalPolicies() {
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.ALWAYS_DSI, QEMU).range(2, 5, 1, false, false))
        .extracting(Flush::kind).containsExactly(Flush.Kind.DSI);
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.GLOBAL, QEMU).range(2, 5, 1, false, false))
        .extracting(Flush::kind).containsExactly(Flush.Kind.GLOBAL);
    FlushPolicy dup = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.DUPLICATE_PSI, QEMU);
    assertThat(dup.range(2, 5, 1, false, false)).extracting(Flush::kind, Flush::address)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Flush.Kind.PSI, 0x5000L),
            org.assertj.core.groups.Tuple.tuple(Flush.Kind.PSI, 0x5000L));
    // the second one says it is the policy's duplicate of the first
    assertThat(dup.range(2, 5, 1, false, false).get(1).reason()).startsWith("policy duplicate-psi: pfn 0x5 +1")
        .endsWith(" (again)");
    FlushPolicy noMap = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.NO_MAP_FLUSH, QEMU);
    assertThat(noMap.range(2, 5, 1, false, true)).extracting(Flush::kind).containsExactly(Flush.Kind.NONE);
    assertThat(noMap.range(2, 5, 1, false, false)).extracting(Flush::kind).containsExactly(Flush.Kind.PSI);
  }

  @Test
  void theReasonSaysWhenTheCorrectionGrowsTheMask() {
    // 59bf3557cf2f's example: pfn 0x17f, 2 pages: AM 1 grows to 8 (explain shows this line)
    FlushPolicy p518 = new FlushPolicy(DriverPreset.LINUX_5_18, FlushPolicyName.LINUX, QEMU);
    assertThat(p518.range(2, 0x17f, 2, false, false).get(0).reason()).startsWith("pfn 0x17f +2 unaligned: AM 1 grows to 8");
    assertThat(p518.range(2, 0x180, 2, false, false).get(0).reason()).startsWith("pfn 0x180 +2: AM 1 ≤ MAMV");
  }

  @Test
  void theReasonSaysWhenAnUncorrectedMaskUndershoots() {
    FlushPolicy p510 = new FlushPolicy(DriverPreset.LINUX_5_10, FlushPolicyName.LINUX, QEMU);
    String undershoot = " (unaligned base: the mask undershoots the range end)";
    assertThat(p510.range(2, 0x17f, 2, false, false).get(0).reason()).contains(undershoot);
    // 0x182 is aligned to 2 pages (AM 1) though not to 4
    assertThat(p510.range(2, 0x182, 2, false, false).get(0).reason()).doesNotContain(undershoot);
    assertThat(p510.range(2, 0x180, 2, false, false).get(0).reason()).doesNotContain(undershoot);
  }

  @Test
  void aSkippedMapFlushNamesTheRangesAddress() {
    FlushPolicy none = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.NO_MAP_FLUSH, QEMU);
    Flush f = none.range(2, 0x123, 4, false, true).get(0);
    assertThat(f.kind()).isEqualTo(Flush.Kind.NONE);
    assertThat(f.address()).isEqualTo(0x123000L);
  }

  @Test
  void theDomainFlushIsADsiOrGlobalUnderPolicyGlobal() {
    FlushPolicy linux = new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.LINUX, QEMU);
    assertThat(linux.name()).isEqualTo(FlushPolicyName.LINUX);
    assertThat(linux.domain(5, "flush queue").kind()).isEqualTo(Flush.Kind.DSI);
    assertThat(linux.domain(5, "flush queue").did()).isEqualTo(5);
    FlushPolicy global = new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.GLOBAL, QEMU);
    assertThat(global.domain(5, "flush queue").kind()).isEqualTo(Flush.Kind.GLOBAL);
  }

  @Test
  void firstStageRangesArePasidBasedAndKnowNoMamv() {
    Capability small = QEMU.withMamv(0);
    FlushPolicy p61 = new FlushPolicy(DriverPreset.LINUX_6_1, FlushPolicyName.LINUX, small);
    // 256 pages at pfn 0x100: AM 8 although MAMV is 0 — no DSI fallback on the first level
    assertThat(p61.firstStageRange(3, 0x100, 256, false)).singleElement()
        .extracting(Flush::kind, Flush::did, Flush::address, Flush::am)
        .containsExactly(Flush.Kind.PASID_PSI, 3, 0x100_000L, 8);
    // pfn 0x17f + 2 pages: 6.1 sends AM 1 at 0x17e000 (misses pfn 0x180); 6.12 AM 8 at 0x100000
    assertThat(p61.firstStageRange(3, 0x17f, 2, true).get(0))
        .extracting(Flush::address, Flush::am, Flush::ih).containsExactly(0x17e_000L, 1, true);
    FlushPolicy p612 = new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.LINUX, small);
    assertThat(p612.firstStageRange(3, 0x17f, 2, true).get(0))
        .extracting(Flush::address, Flush::am).containsExactly(0x100_000L, 8);
    // descriptors: PASID 0, IH kept (qi_flush_piotlb carries it)
    assertThat(p612.firstStageRange(3, 0x17f, 2, true).get(0).descriptor(true, true, false))
        .isEqualTo(io.vtdsim.emu.spec.PasidIotlbInvalidation.page(3, 0, 0x100_000L, 8, true));
    assertThat(p612.firstStageDomain(3, "flush-all").descriptor(true, true, false))
        .isEqualTo(io.vtdsim.emu.spec.PasidIotlbInvalidation.pasid(3, 0));
  }

  @Test
  void firstStageRangesUnderTheExperimentalPolicies() {
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.GLOBAL, QEMU).firstStageRange(3, 5, 1, false))
        .extracting(Flush::kind).containsExactly(Flush.Kind.GLOBAL);
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.ALWAYS_DSI, QEMU).firstStageRange(3, 5, 1, false))
        .extracting(Flush::kind).containsExactly(Flush.Kind.PASID_ALL);
    // strict-psi: pfn 5 + 3 pages → 5 (AM 0), 6..7 (AM 1)
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.STRICT_PSI, QEMU).firstStageRange(3, 5, 3, false))
        .extracting(Flush::kind, Flush::address, Flush::am)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Flush.Kind.PASID_PSI, 0x5000L, 0),
            org.assertj.core.groups.Tuple.tuple(Flush.Kind.PASID_PSI, 0x6000L, 1));
    assertThat(new FlushPolicy(DriverPreset.LINUX_6_12, FlushPolicyName.DUPLICATE_PSI, QEMU).firstStageRange(3, 5, 1, false))
        .hasSize(2).allMatch(f -> f.kind() == Flush.Kind.PASID_PSI && f.address() == 0x5000L);
  }
}
