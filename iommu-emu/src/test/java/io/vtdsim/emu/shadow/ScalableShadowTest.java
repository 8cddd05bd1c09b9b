package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.ScalableTableBuilder;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shadow under a scalable-mode root table (RTADDR.TTM = 01b), driven through the real unit: the
 * guest programs it over MMIO and a 256-bit queue with hand-built tables and hand-written
 * descriptors. The device's translation structure is its RID_PASID (0) PASID entry: PGTT second-stage
 * is walked at SSPTPTR on the legacy DID-based invalidations Linux sends for second-stage domains,
 * pass-through is identity, first-stage gives the host nothing. Expected host contents are worked out
 * by hand from the tables written here.
 */
class ScalableShadowTest {
  private static final long MiB = 1L << 20;
  private static final SourceId DEV = new SourceId(0, 3, 0);
  private static final int DID = 5;
  private static final long QUEUE = 0x0300_0000L;
  private static final long IOVA = 0x0040_0000L;
  private static final long PAGE_A = 0x0020_0000L;
  private static final long PAGE_B = 0x0030_0000L;
  private static final long PAGE = 4096;

  private GuestMemory mem;
  private EventLog log;
  private MmioBus bus;
  private VtdUnit unit;
  private VtdConfig config;
  private ScalableTableBuilder tables;
  private HostContainer container;
  private CachingModeShadow shadow;
  private long directory;
  private int tail;

  private void machine(String preset, String strategy) {
    config = VtdConfig.preset(preset, 48);
    mem = GuestMemory.flat(64 * MiB);
    log = new EventLog(new Clock());
    bus = new MmioBus(log);
    unit = new VtdUnit(config, mem, log, (address, data) -> {});
    bus.map(config.mmioBase(), unit);
    tables = new ScalableTableBuilder(mem, 0x0100_0000L);
    container = new HostContainer("nic", HostSemantics.VFIO_TYPE1, mem, log);
    shadow = new CachingModeShadow(unit, mem, log, ShadowSync.named(strategy));
    shadow.attach(DEV, container);
    directory = tables.pasidContext(DEV.sid(), 0, 0);
  }

  @AfterEach
  void close() {
    if (unit != null) unit.close();
  }

  private void w64(int offset, long v) {
    bus.write64(config.mmioBase() + offset, v);
  }

  private void boot() {
    w64(Registers.RTADDR, new RootTableAddress(tables.rootTable(), RootTableAddress.Mode.SCALABLE).encode());
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.SRTP);
    w64(Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, true, 0));
    w64(Registers.IQT, 0);
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.QIE);
    bus.write32(config.mmioBase() + Registers.GCMD, GlobalCommand.QIE | GlobalCommand.TE);
  }

  private void submit(InvalidationDescriptor... ds) {
    for (InvalidationDescriptor d : ds) {
      long a = QUEUE + tail * 32L;
      mem.write64(a, d.lo());
      mem.write64(a + 8, d.hi());
      mem.write64(a + 16, 0);
      mem.write64(a + 24, 0);
      tail++;
    }
    w64(Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, true));
  }

  /** A 4-level (AW 2, 48-bit) second-stage table with IOVA → {@code page}. */
  private long secondStageTable(long page) {
    TableBuilder ss = tables.secondStage();
    long top = ss.allocPage();
    ss.map(top, 4, IOVA, page, PAGE, true, true);
    return top;
  }

  @ParameterizedTest
  @ValueSource(strings = {"psi-only", "unmap-all-replay", "iova-tree"})
  void aSecondStageEntryIsShadowedFromSsptptrOnTheLegacyPsi(String strategy) {
    machine("qemu-11.1-sm", strategy);
    long top = secondStageTable(PAGE_A);
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID, top, 2));
    boot();
    assertThat(shadow.mode(DEV)).contains(CachingModeShadow.Mode.TRANSLATED);
    // TE on switched the address space to translated: vfio's replay walked SSPTPTR
    assertThat(container.mappings()).containsExactly(new HostMapping(IOVA, PAGE_A, PAGE, true, true));
    // a new PTE and its PSI (DID-based, as Linux flushes second-stage domains in scalable mode)
    tables.secondStage().map(top, 4, IOVA + PAGE, PAGE_B, PAGE, true, false);
    submit(IotlbInvalidation.page(DID, IOVA + PAGE, 0, false, false, false));
    assertThat(container.mappings()).containsExactly(new HostMapping(IOVA, PAGE_A, PAGE, true, true),
        new HostMapping(IOVA + PAGE, PAGE_B, PAGE, true, false));
    // another domain's PSI and a PASID-based PSI (first-stage only, spec 6.5.2.4) are not this table's
    tables.secondStage().map(top, 4, IOVA + 2 * PAGE, PAGE_B + PAGE, PAGE, true, true);
    submit(IotlbInvalidation.page(DID + 1, IOVA + 2 * PAGE, 0, false, false, false),
        PasidIotlbInvalidation.page(DID, 0, IOVA + 2 * PAGE, 0, false));
    assertThat(container.lookup(IOVA + 2 * PAGE)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"psi-only", "unmap-all-replay", "iova-tree"})
  void aPasidCacheInvalidationRereadsARepointedSsptptr(String strategy) {
    machine("qemu-11.1-sm", strategy);
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID, secondStageTable(PAGE_A), 2));
    boot(); // the replay maps IOVA → PAGE_A
    assertThat(container.lookup(IOVA)).map(HostMapping::gpa).contains(PAGE_A);
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID, secondStageTable(PAGE_B), 2));
    submit(PasidCacheInvalidation.pasid(DID, 0));
    // iova-tree: switch + sync walks the new table (the changed MAP as UNMAP + MAP); unmap-all-replay:
    // unmap everything, replay the new table; psi-only ignores context-like invalidations (2017 RFC)
    long expected = strategy.equals("psi-only") ? PAGE_A : PAGE_B;
    assertThat(container.lookup(IOVA)).map(HostMapping::gpa).contains(expected);
    assertThat(container.mappings()).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"unmap-all-replay", "iova-tree"})
  void theCachedPasidEntryIsKeptUntilThePasidCacheInvalidation(String strategy) {
    machine("qemu-11.1-sm", strategy);
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID, secondStageTable(PAGE_A), 2));
    boot(); // the replay maps IOVA → PAGE_A
    // re-pointed without the PASID-cache invalidation the spec requires: the DSI still walks the old
    // table, under the DID read before (spec 6.2.2 allows caching the entry)
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID + 1, secondStageTable(PAGE_B), 2));
    submit(IotlbInvalidation.domain(DID + 1, false, false));
    assertThat(container.lookup(IOVA)).map(HostMapping::gpa).contains(PAGE_A);
    submit(PasidCacheInvalidation.domain(DID)); // the DID of the cached entry covers it
    assertThat(container.lookup(IOVA)).map(HostMapping::gpa).contains(PAGE_B);
  }

  @ParameterizedTest
  @ValueSource(strings = {"psi-only", "unmap-all-replay", "iova-tree"})
  void aFirstStageEntryGivesTheHostNothing(String strategy) {
    machine("qemu-11.1-sm-fsts", strategy);
    long fs = tables.firstStageRoot();
    tables.mapFirstStage(fs, 4, IOVA, PAGE_A, PAGE, true);
    tables.pasidEntry(directory, 0, PasidTableEntry.firstStage(DID, fs, false, 2));
    boot();
    submit(IotlbInvalidation.page(DID, IOVA, 0, false, false, false), IotlbInvalidation.domain(DID, false, false),
        PasidIotlbInvalidation.page(DID, 0, IOVA, 0, false), PasidCacheInvalidation.pasid(DID, 0));
    assertThat(shadow.mode(DEV)).contains(CachingModeShadow.Mode.TRANSLATED);
    assertThat(container.mappings()).isEmpty();
    assertThat(log.eventsOfKind(CachingModeShadow.WALK)).allSatisfy(e -> assertThat(e.longAttr("entries")).isZero());
  }

  @ParameterizedTest
  @ValueSource(strings = {"psi-only", "iova-tree"})
  void aPassThroughEntryIsTheIdentityMapOfRam(String strategy) {
    machine("qemu-11.1-sm", strategy);
    tables.pasidEntry(directory, 0, PasidTableEntry.passThrough(DID));
    boot();
    assertThat(shadow.mode(DEV)).contains(CachingModeShadow.Mode.IDENTITY);
    assertThat(container.mappings()).containsExactly(new HostMapping(0, 0, 64 * MiB, true, true));
    // the guest makes it second-stage and says so: the address space switches to translated
    tables.pasidEntry(directory, 0, PasidTableEntry.secondStage(DID, secondStageTable(PAGE_A), 2));
    submit(PasidCacheInvalidation.global());
    assertThat(shadow.mode(DEV)).contains(strategy.equals("psi-only") ? CachingModeShadow.Mode.IDENTITY
        : CachingModeShadow.Mode.TRANSLATED);
    if (!strategy.equals("psi-only")) assertThat(container.mappings()).containsExactly(new HostMapping(IOVA, PAGE_A, PAGE, true, true));
  }
}
