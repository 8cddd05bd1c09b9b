package io.vtdsim.emu.shadow;

import static io.vtdsim.emu.shadow.ShadowFixture.GIB;
import static io.vtdsim.emu.shadow.ShadowFixture.LEVELS;
import static io.vtdsim.emu.shadow.ShadowFixture.PAGE;
import static io.vtdsim.emu.shadow.ShadowFixture.TWO_MIB;
import static io.vtdsim.emu.shadow.ShadowFixture.rw;
import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.vtd.VtdConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What each strategy does with the invalidations that are not page-selective, and how the shadow
 * walk reads a superpage the unit does not support. From the strategies' sources: psi-only (the 2017
 * RFC) ignores global IOTLB and context invalidations; unmap-all-replay (QEMU April 2017) unmaps and
 * replays on each; iova-tree (QEMU since 2018) syncs (vtd_iotlb_global_invalidate,
 * vtd_context_global_invalidate → vtd_address_space_refresh_all). A PS bit at a level whose size
 * CAP.SLLPS does not report is reserved (VT-d spec 9.8): the entry translates nothing, so the host
 * maps nothing for it.
 */
class ShadowInvalidationFactsTest {
  static final long IOVA = 0x4000_0000L;
  static final long GPA = 0x2000_0000L;

  private static ShadowFixture guestMapsAPageWithoutAPsi(String strategy) {
    ShadowFixture f = new ShadowFixture(strategy).booted();
    f.map4k(IOVA, GPA);
    f.markNow();
    return f;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"psi-only, false", "unmap-all-replay, true", "iova-tree, true"})
  void aGlobalIotlbInvalidationReachesTheHostUnlessPsiOnly(String strategy, boolean mapped) {
    ShadowFixture f = guestMapsAPageWithoutAPsi(strategy);
    f.shadow.iotlbInvalidated(IotlbInvalidation.global(false, false));
    if (mapped) assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
    else assertThat(f.host()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"psi-only, false", "unmap-all-replay, true", "iova-tree, true"})
  void aGlobalContextInvalidationReachesTheHostUnlessPsiOnly(String strategy, boolean mapped) {
    ShadowFixture f = guestMapsAPageWithoutAPsi(strategy);
    f.shadow.contextCacheInvalidated(ContextCacheInvalidation.global());
    if (mapped) assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
    else assertThat(f.host()).isEmpty();
  }

  @Test
  void unmapAllReplayUnmapsEverythingBeforeItReplaysOnAGlobalInvalidation() {
    ShadowFixture f = guestMapsAPageWithoutAPsi("unmap-all-replay");
    f.shadow.iotlbInvalidated(IotlbInvalidation.global(false, false));
    // the 28 aligned chunks of vtd_address_space_unmap, then the one MAP of the replay
    assertThat(f.hostCalls()).hasSize(ShadowFixture.unmapAllChunks().size() + 1);
    assertThat(f.hostCalls().get(f.hostCalls().size() - 1)).isEqualTo(ShadowFixture.map(IOVA, GPA, PAGE, "ok"));
  }

  @Test
  void iovaTreeSendsNothingForAGlobalInvalidationThatChangesNothing() {
    ShadowFixture f = guestMapsAPageWithoutAPsi("iova-tree");
    f.shadow.iotlbInvalidated(IotlbInvalidation.global(false, false));
    f.markNow();
    f.shadow.iotlbInvalidated(IotlbInvalidation.global(false, false));
    assertThat(f.hostCalls()).isEmpty();
    assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
  }

  @ParameterizedTest(name = "SLLPS {0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void aSuperpageTheUnitDoesNotSupportTranslatesNothing(int sllps) {
    VtdConfig config = VtdConfig.qemu72().withCap(VtdConfig.qemu72().cap().withSllps(sllps));
    ShadowFixture f = new ShadowFixture("iova-tree", config, HostSemantics.VFIO_TYPE1).booted();
    f.tables.map(f.slptptr, LEVELS, IOVA, GPA, TWO_MIB, true, true);
    f.tables.map(f.slptptr, LEVELS, 2 * GIB, GIB, GIB, true, true);
    f.dsi(ShadowFixture.DID);
    boolean twoMib = (sllps & 1) != 0;
    // a 1 GiB page size counts only with 2 MiB (SLLPS 0b10 alone is read as neither, Capability.supports1G)
    boolean oneGib = sllps == 3;
    assertThat(f.host().stream().anyMatch(m -> m.iova() == IOVA && m.size() == TWO_MIB && m.gpa() == GPA))
        .as("2 MiB leaf").isEqualTo(twoMib);
    assertThat(f.host().stream().anyMatch(m -> m.iova() == 2 * GIB && m.size() == GIB && m.gpa() == GIB))
        .as("1 GiB leaf").isEqualTo(oneGib);
    assertThat(f.host()).hasSize((twoMib ? 1 : 0) + (oneGib ? 1 : 0));
  }
}
