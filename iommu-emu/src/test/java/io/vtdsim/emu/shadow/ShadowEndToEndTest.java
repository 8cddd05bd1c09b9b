package io.vtdsim.emu.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.device.AssignedDevice;
import io.vtdsim.emu.device.EmulatedDevice;
import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MmioBus;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shadow behind a real VtdUnit: the test acts as the guest (registers over the MMIO bus, tables
 * and the invalidation queue in guest memory), and the shadow learns everything from the unit's
 * observer callbacks.
 */
class ShadowEndToEndTest {
  static final SourceId NIC = new SourceId(0, 3, 0);
  static final SourceId DISK = new SourceId(0, 4, 0);
  static final long QUEUE = 0x80_0000L;
  static final long IOVA = 0x1_0000L;
  static final long GPA = 0x4000_0000L;

  final EventLog log = new EventLog(new Clock());
  final GuestMemory memory = GuestMemory.q35(4L << 30);
  final VtdConfig config = VtdConfig.qemu72();
  final VtdUnit unit = new VtdUnit(config, memory, log, MsiSink.NONE);
  final MmioBus bus = new MmioBus(log);
  final HostContainer container = new HostContainer("nic", HostSemantics.VFIO_TYPE1, memory, log);
  CachingModeShadow shadow;
  final TableBuilder tables = new TableBuilder(memory, 0x10_0000L);
  int tail;

  @AfterEach
  void close() {
    unit.close();
  }

  void command(int bit) {
    int status = bus.read32(config.mmioBase() + Registers.GSTS) & (GlobalCommand.TE | GlobalCommand.QIE);
    bus.write32(config.mmioBase() + Registers.GCMD, status | bit);
  }

  void submit(InvalidationDescriptor d) {
    memory.write64(QUEUE + tail * 16L, d.lo());
    memory.write64(QUEUE + tail * 16L + 8, d.hi());
    tail++;
    bus.write64(config.mmioBase() + Registers.IQT, InvalidationQueueRegisters.indexToRegister(tail, false));
  }

  long boot(String strategy) {
    shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named(strategy));
    bus.map(config.mmioBase(), unit);
    long top = tables.multiLevelContext(NIC.sid(), 1, 2);
    // the emulated disk is in the same domain: same DID, same second-level table
    tables.context(DISK.sid(), new ContextEntry(true, false, TranslationType.MULTI_LEVEL, top, 2, 1));
    shadow.attach(NIC, container);
    bus.write64(config.mmioBase() + Registers.RTADDR, tables.rootTable());
    command(GlobalCommand.SRTP);
    bus.write64(config.mmioBase() + Registers.IQA, InvalidationQueueRegisters.iqa(QUEUE, false, 0));
    command(GlobalCommand.QIE);
    submit(ContextCacheInvalidation.global());
    submit(IotlbInvalidation.global(false, false));
    command(GlobalCommand.TE);
    return top;
  }

  @Test
  void mappingFlushedThroughTheQueueReachesTheHostAndBothDeviceKinds() {
    long top = boot("iova-tree");
    assertThat(shadow.mode(NIC)).contains(CachingModeShadow.Mode.TRANSLATED);
    assertThat(container.mappings()).isEmpty();
    tables.map(top, 4, IOVA, GPA, 4096, true, true);
    submit(IotlbInvalidation.page(1, IOVA, 0, false, false, false));
    assertThat(container.mappings()).containsExactly(new HostMapping(IOVA, GPA, 4096, true, true));

    AssignedDevice nic = new AssignedDevice("nic", NIC, container, memory, log);
    assertThat(nic.write(IOVA + 0x10, new byte[] {1, 2, 3}).ok()).isTrue();
    assertThat(memory.read(GPA + 0x10, 3)).containsExactly(1, 2, 3);
    // the emulated disk reads the same bytes through the unit's translation
    EmulatedDevice disk = new EmulatedDevice("disk", DISK, unit, memory, log);
    assertThat(disk.read(IOVA + 0x10, 3).data()).containsExactly(1, 2, 3);

    // unmapped by the guest and flushed with a DSI: gone from the host, the NIC faults
    tables.unmap(top, 4, IOVA, 4096);
    submit(IotlbInvalidation.domain(1, false, false));
    assertThat(container.mappings()).isEmpty();
    assertThat(nic.write(IOVA, new byte[] {9}).ok()).isFalse();
    assertThat(disk.write(IOVA, new byte[] {9}).ok()).isFalse();
    assertThat(memory.read(GPA, 1)).containsExactly(0);
    assertThat(log.eventsOfKind("vtd.fault")).isNotEmpty();
  }

  @Test
  void rangeUnmapFlushedWithAQueuedDsiSeparatesTheStrategies() {
    for (String strategy : ShadowSync.NAMES) {
      ShadowEndToEndTest m = new ShadowEndToEndTest(); // a fresh machine per strategy
      long top = m.boot(strategy);
      for (int i = 0; i < 4; i++) {
        m.tables.map(top, 4, IOVA + i * 4096L, GPA + i * 4096L, 4096, true, true);
        m.submit(IotlbInvalidation.page(1, IOVA + i * 4096L, 0, false, false, false));
      }
      for (int i = 1; i < 4; i++) m.tables.unmap(top, 4, IOVA + i * 4096L, 4096);
      m.submit(IotlbInvalidation.domain(1, false, false));
      // psi-only ignores the DSI (stale host mappings); the others leave exactly the remaining page
      assertThat(m.container.mappings()).as(strategy)
          .hasSize(strategy.equals("psi-only") ? 4 : 1)
          .startsWith(new HostMapping(IOVA, GPA, 4096, true, true));
      m.close();
    }
  }
}
