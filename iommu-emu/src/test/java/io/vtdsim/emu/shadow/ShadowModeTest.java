package io.vtdsim.emu.shadow;

import static io.vtdsim.emu.shadow.ShadowFixture.DEV;
import static io.vtdsim.emu.shadow.ShadowFixture.DID;
import static io.vtdsim.emu.shadow.ShadowFixture.GIB;
import static io.vtdsim.emu.shadow.ShadowFixture.LEVELS;
import static io.vtdsim.emu.shadow.ShadowFixture.PAGE;
import static io.vtdsim.emu.shadow.ShadowFixture.map;
import static io.vtdsim.emu.shadow.ShadowFixture.rw;
import static io.vtdsim.emu.shadow.ShadowFixture.unmapAllCalls;
import static io.vtdsim.emu.shadow.ShadowFixture.unmapped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.shadow.CachingModeShadow.Mode;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Identity vs translated address spaces, TE/SRTP refresh, pass-through, the CM=0 refusal, the walk itself. */
class ShadowModeTest {
  static final long IOVA = 0x1_0000L;
  static final long GPA = 0x4000_0000L;
  /** The q35 4 GiB layout's RAM, 1:1: [0, 2 GiB) and [4 GiB, 6 GiB), each one aligned 2 GiB block. */
  static final List<String> IDENTITY_MAPS =
      List.of(map(0, 0, 2 * GIB, "ok"), map(4 * GIB, 4 * GIB, 2 * GIB, "ok"));
  static final List<HostMapping> IDENTITY =
      List.of(rw(0, 0, 2 * GIB), rw(4 * GIB, 4 * GIB, 2 * GIB));

  @Test
  void attachWithTranslationOffMapsGuestRamOneToOne() {
    for (String s : ShadowSync.NAMES) {
      ShadowFixture f = new ShadowFixture(s);
      f.shadow.attach(DEV, f.container);
      assertThat(f.hostCalls()).as(s).containsExactlyElementsOf(IDENTITY_MAPS);
      assertThat(f.host()).as(s).containsExactlyElementsOf(IDENTITY);
      assertThat(f.shadow.mode(DEV)).contains(Mode.IDENTITY);
      assertThat(f.since(CachingModeShadow.SWITCH)).singleElement()
          .satisfies(e -> assertThat(e.attrs()).containsEntry("mode", "identity").containsEntry("device", "00:03.0"));
    }
  }

  @Test
  void identityMapIsSplitAroundTheInterruptWindowInAlignedBlocks() {
    EventLog log = new EventLog(new Clock());
    GuestMemory mem = GuestMemory.flat(8 * GIB);
    VtdUnit unit = new VtdUnit(VtdConfig.qemu72(), mem, log, MsiSink.NONE);
    HostContainer c = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
    new CachingModeShadow(unit, mem, log, ShadowSync.named("iova-tree")).attach(DEV, c);
    List<HostMapping> expected = new ArrayList<>();
    for (long[] chunk : ShadowFixture.unmapAllChunks().subList(0, 10)) expected.add(rw(chunk[0], chunk[0], chunk[1]));
    expected.add(rw(0xFEF0_0000L, 0xFEF0_0000L, 0x10_0000L));
    expected.add(rw(0xFF00_0000L, 0xFF00_0000L, 0x100_0000L));
    expected.add(rw(4 * GIB, 4 * GIB, 4 * GIB));
    assertThat(c.mappings()).containsExactlyElementsOf(expected);
  }

  @Test
  void translationOnDropsTheIdentityMapAndReplaysTheTables() {
    for (String s : ShadowSync.NAMES) {
      ShadowFixture f = new ShadowFixture(s);
      f.slptptr = f.tables.multiLevelContext(DEV.sid(), DID, ShadowFixture.AGAW_48);
      f.map4k(IOVA, GPA); // present before TE: the switch's replay must map it
      f.shadow.attach(DEV, f.container);
      f.shadow.rootTablePointerSet(f.tables.rootTable()); // TE off: stays identity
      f.markNow();
      f.shadow.translationEnableChanged(true);
      List<String> expected = new ArrayList<>(List.of(
          unmapped(0, 2 * GIB, 2 * GIB), unmapped(4 * GIB, 2 * GIB, 2 * GIB)));
      if (s.equals("unmap-all-replay")) expected.addAll(unmapAllCalls()); // pre-2023 replay unmaps first
      expected.add(map(IOVA, GPA, PAGE, "ok"));
      assertThat(f.hostCalls()).as(s).containsExactlyElementsOf(expected);
      assertThat(f.host()).as(s).containsExactly(rw(IOVA, GPA, PAGE));
      assertThat(f.shadow.mode(DEV)).contains(Mode.TRANSLATED);
    }
  }

  @Test
  void translationOffUnmapsEveryNotifierRangeAndRestoresTheIdentityMap() {
    for (String s : ShadowSync.NAMES) {
      ShadowFixture f = new ShadowFixture(s).booted();
      f.map4k(IOVA, GPA);
      f.psi(IOVA, 0);
      f.markNow();
      f.shadow.translationEnableChanged(false);
      List<String> expected = new ArrayList<>(unmapAllCalls(PAGE));
      expected.addAll(IDENTITY_MAPS);
      assertThat(f.hostCalls()).as(s).containsExactlyElementsOf(expected);
      assertThat(f.host()).as(s).containsExactlyElementsOf(IDENTITY);
      assertThat(f.shadow.mode(DEV)).contains(Mode.IDENTITY);
    }
  }

  @Test
  void srtpWhileTranslatingUnmapsEverythingWithoutReplay() {
    ShadowFixture f = new ShadowFixture("iova-tree").booted();
    f.map4k(IOVA, GPA);
    f.psi(IOVA, 0);
    f.markNow();
    f.shadow.rootTablePointerSet(f.tables.rootTable());
    assertThat(f.hostCalls()).containsExactlyElementsOf(unmapAllCalls(PAGE));
    assertThat(f.host()).isEmpty();
    // the mapping comes back with the next invalidation that syncs: QEMU's vtd_address_space_refresh_all
    // (hw/i386/intel_iommu.c) unmaps on SRTP and does not replay
    f.markNow();
    f.dsi(DID);
    assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"));
  }

  @Test
  void unmapAllOnIommufdReportsEnoentForEveryChunkThatHeldNothing() {
    ShadowFixture f = new ShadowFixture("iova-tree", VtdConfig.qemu72(), HostSemantics.IOMMUFD).booted();
    f.map4k(IOVA, GPA);
    f.psi(IOVA, 0);
    long errorsBefore = f.container.errorCount();
    f.markNow();
    f.shadow.rootTablePointerSet(f.tables.rootTable());
    List<String> calls = f.hostCalls();
    assertThat(calls).hasSize(28);
    assertThat(calls.get(0)).isEqualTo(unmapped(0, 2 * GIB, PAGE));
    assertThat(calls.subList(1, 28)).allSatisfy(c -> assertThat(c).endsWith(" ENOENT"));
    assertThat(f.container.errorCount() - errorsBefore).isEqualTo(27);
    assertThat(f.host()).isEmpty();
  }

  @Test
  void passThroughContextKeepsTheIdentityMapAndLeavingItReplays() {
    ShadowFixture f = new ShadowFixture("iova-tree");
    f.tables.passThroughContext(DEV.sid(), DID, ShadowFixture.AGAW_48);
    f.shadow.attach(DEV, f.container);
    f.shadow.rootTablePointerSet(f.tables.rootTable());
    f.markNow();
    f.shadow.translationEnableChanged(true);
    assertThat(f.hostCalls()).isEmpty();
    assertThat(f.shadow.mode(DEV)).contains(Mode.IDENTITY);
    // the guest moves the device to a translated domain: device-selective context invalidation
    long top = f.tables.multiLevelContext(DEV.sid(), 2, ShadowFixture.AGAW_48);
    f.tables.map(top, LEVELS, IOVA, GPA, PAGE, true, true);
    f.shadow.contextCacheInvalidated(ContextCacheInvalidation.device(2, DEV.sid(), 0));
    assertThat(f.hostCalls()).containsExactly(
        unmapped(0, 2 * GIB, 2 * GIB), unmapped(4 * GIB, 2 * GIB, 2 * GIB), map(IOVA, GPA, PAGE, "ok"));
    assertThat(f.shadow.mode(DEV)).contains(Mode.TRANSLATED);
  }

  @Test
  void deviceSelectiveInvalidationHonoursTheFunctionMask() {
    ShadowFixture f = new ShadowFixture("iova-tree").booted();
    f.map4k(IOVA, GPA);
    f.markNow();
    // 00:03.4 with FM=1 (devfn bit 2 ignored) covers 00:03.0
    f.shadow.contextCacheInvalidated(ContextCacheInvalidation.device(DID, (3 << 3) | 4, 1));
    assertThat(f.hostCalls()).containsExactly(map(IOVA, GPA, PAGE, "ok"));
    f.markNow();
    f.map4k(IOVA + PAGE, GPA + PAGE);
    // 00:03.4 with FM=0 does not
    f.shadow.contextCacheInvalidated(ContextCacheInvalidation.device(DID, (3 << 3) | 4, 0));
    assertThat(f.hostCalls()).isEmpty();
  }

  @Test
  void globalContextInvalidationUnmapsAllThenReplays() {
    ShadowFixture f = new ShadowFixture("iova-tree").booted();
    f.map4k(IOVA, GPA);
    f.psi(IOVA, 0);
    f.markNow();
    f.shadow.contextCacheInvalidated(ContextCacheInvalidation.global());
    List<String> expected = new ArrayList<>(unmapAllCalls(PAGE));
    expected.add(map(IOVA, GPA, PAGE, "ok"));
    assertThat(f.hostCalls()).containsExactlyElementsOf(expected);
  }

  @Test
  void assignmentWithoutCachingModeIsRefusedWithQemusReasonUnlessAllowed() {
    EventLog log = new EventLog(new Clock());
    GuestMemory mem = GuestMemory.q35(4 * GIB);
    VtdUnit unit = new VtdUnit(VtdConfig.preset("bare-metal", 48), mem, log, MsiSink.NONE);
    HostContainer c = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
    CachingModeShadow shadow = new CachingModeShadow(unit, mem, log, ShadowSync.named("iova-tree"));
    assertThatThrownBy(() -> shadow.attach(DEV, c))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Device assignment is not allowed without enabling caching-mode=on for Intel IOMMU.");
    assertThat(c.mappings()).isEmpty();
    shadow.allowWithoutCachingMode(true).attach(DEV, c);
    assertThat(c.mappings()).hasSize(2);
  }

  @Test
  void theSameStepsGiveTheSameEventLog() {
    for (String s : ShadowSync.NAMES) {
      assertThat(render(scenario(s))).as(s).isEqualTo(render(scenario(s)));
    }
  }

  private static ShadowFixture scenario(String strategy) {
    ShadowFixture f = new ShadowFixture(strategy).booted();
    f.map4k(IOVA, GPA);
    f.psi(IOVA, 0);
    f.map4k(IOVA, GPA + PAGE);
    f.psi(IOVA, 0);
    f.dsi(DID);
    f.shadow.translationEnableChanged(false);
    return f;
  }

  private static List<String> render(ShadowFixture f) {
    List<String> out = new ArrayList<>();
    f.log.events().forEach(e -> out.add(e.toString()));
    return out;
  }

  @Test
  void unknownStrategyNameIsRejectedWithTheKnownNames() {
    assertThatThrownBy(() -> ShadowSync.named("lazy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("psi-only, unmap-all-replay, iova-tree");
    for (String n : ShadowSync.NAMES) assertThat(ShadowSync.named(n).name()).isEqualTo(n);
  }

  @Test
  void reservedAndUnreadableEntriesAreSkippedWithoutAnyEvent() {
    ShadowFixture f = new ShadowFixture("iova-tree").booted();
    f.map4k(IOVA, GPA);
    f.psi(IOVA, 0);
    f.markNow();
    // SNP (bit 11) is reserved without snoop control: the changed PTE is skipped, the mapping stays
    f.tables.setEntry(f.slptptr, LEVELS, IOVA, 1, SecondLevelPte.leaf(GPA + PAGE, true, true).encode() | SecondLevelPte.SNP);
    f.psi(IOVA, 0);
    // a PDE pointing outside guest RAM (0x8000_0000 lies in the q35 hole [2 GiB, 4 GiB)): unreadable
    f.tables.setEntry(f.slptptr, LEVELS, 0x4000_0000L, 3, 0x8000_0000L | SecondLevelPte.R | SecondLevelPte.W);
    f.psi(0x4000_0000L, 0);
    assertThat(f.since(CachingModeShadow.NOTIFY)).isEmpty();
    assertThat(f.hostCalls()).isEmpty();
    assertThat(f.host()).containsExactly(rw(IOVA, GPA, PAGE));
  }

  @Test
  void fullSyncVisitsEverySlotOfTheTablesThatExistAndNothingElse() {
    // one mapped page: the walk reads the 512 slots of each table on its path (QEMU's
    // vtd_page_walk_level), and one more level costs exactly one more table
    assertThat(fullSyncEntries(48, 2)).isEqualTo(4 * 512);
    assertThat(fullSyncEntries(57, 3)).isEqualTo(5 * 512);
  }

  private static long fullSyncEntries(int aw, int agaw) {
    EventLog log = new EventLog(new Clock());
    GuestMemory mem = GuestMemory.q35(4 * GIB);
    VtdUnit unit = new VtdUnit(VtdConfig.preset("qemu-7.2", aw), mem, log, MsiSink.NONE);
    HostContainer c = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
    CachingModeShadow shadow = new CachingModeShadow(unit, mem, log, ShadowSync.named("iova-tree"));
    TableBuilder tb = new TableBuilder(mem, 0x10_0000);
    long top = tb.multiLevelContext(DEV.sid(), DID, agaw);
    tb.map(top, agaw + 2, IOVA, GPA, PAGE, true, true);
    shadow.attach(DEV, c);
    shadow.rootTablePointerSet(tb.rootTable());
    shadow.translationEnableChanged(true);
    long mark = log.lastSeq();
    shadow.iotlbInvalidated(io.vtdsim.emu.spec.IotlbInvalidation.domain(DID, false, false));
    return log.eventsSince(mark).stream().filter(e -> e.kind().equals(CachingModeShadow.WALK))
        .findFirst().orElseThrow().longAttr("entries");
  }
}
