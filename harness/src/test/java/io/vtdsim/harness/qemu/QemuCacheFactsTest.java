package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.SecondLevelPte;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The translation-side facts behind {@code machine.fidelity: qemu}, on real QEMU 11.1.3 through its
 * edu device (reads only): what QEMU's caches keep and drop. Each expected value is what
 * {@code UnitBehaviour.QEMU_11_1} models (QemuFidelityTranslatorTest, QemuFidelityQueueTest and
 * QemuFidelityRegistersTest assert the same of the model, and the opposite of strict).
 */
@Tag("qemu")
class QemuCacheFactsTest {
  static final int SID = 0x0010; // 00:02.0
  static final int DID = 2;
  static final long A = 0xA00_0000L;
  static final long A2 = 0xA00_1000L; // same level-1 table as A
  static final long B = 0xA00_2000L;
  static final long RW = SecondLevelPte.R | SecondLevelPte.W;

  private QemuSession session;
  private QemuGuest g;
  private long top;

  @BeforeEach
  void start() {
    session = QemuSession.start(QemuTests.installation(), new QemuMachineOptions(48, true, 256L << 20,
        List.of(new QemuDevice("gpu", 0, 2, 0, false))), QemuSession.Listener.ACCEPT_ALL);
    g = new QemuGuest(session, 48);
    top = g.tables.multiLevelContext(SID, DID, g.agaw());
    g.bringUp();
    g.translation(true);
    g.tables.map(top, g.levels, A, 0x30_0000L, 4096, true, true);
    g.tables.map(top, g.levels, B, 0x30_2000L, 4096, true, true);
    g.psi(DID, A, 1);
    assertThat(session.dmaRead("gpu", A, 64).ok()).isTrue();
  }

  @AfterEach
  void close() {
    if (session != null) session.close();
  }

  private FaultRecord frcd0() {
    int frcd = Capability.decode(g.regs.read(Registers.CAP, 8)).fro() * 16;
    return FaultRecord.decode(g.regs.read(frcd, 8), g.regs.read(frcd + FaultRecord.HI_OFFSET, 8));
  }

  @Test
  void aWalkFaultRecordsPasidValueZero() {
    assertThat(session.dmaRead("gpu", 0xB00_0000L, 64).ok()).isFalse();
    FaultRecord r = frcd0();
    assertThat(r.reason()).isEqualTo(6);
    assertThat(r.pasid()).as("FRCD bits 59:40 on QEMU 11.1 (7.2 records 0xffff)").isZero();
  }

  @Test
  void theIotlbOutlivesAClearedContextEntryAndItsDeviceFlush() {
    g.tables.clearContext(SID);
    g.contextInvalidateDevice(DID, SID);
    assertThat(session.dmaRead("gpu", A, 64).ok()).as("IOTLB by source-id, before the context cache").isTrue();
    g.dsi(DID);
    assertThat(session.dmaRead("gpu", A, 64).ok()).isFalse();
    assertThat(frcd0().reason()).as("context not present").isEqualTo(2);
  }

  @Test
  void aRetargetedPdeIsWalkedAfreshWithoutInvalidation() {
    long t2 = g.tables.allocPage();
    g.tables.setEntry(top, g.levels, A, 2, t2 | RW);
    g.tables.setEntry(top, g.levels, A2, 1, 0x30_1000L | RW); // only the new table maps A2
    assertThat(session.dmaRead("gpu", A2, 64).ok()).as("no paging-structure cache").isTrue();
  }

  @Test
  void aDomainContextFlushOfAnUnusedDidFlushesEveryContextEntry() {
    g.tables.clearContext(SID); // in memory only: the cached context entry still serves B
    assertThat(session.dmaRead("gpu", B, 64).ok()).isTrue();
    ContextCacheInvalidation d = ContextCacheInvalidation.domain(0x77);
    g.submit(new long[] {d.lo(), d.hi()});
    assertThat(session.dmaRead("gpu", B + 0x10, 64).ok()).as("B is in the IOTLB now").isTrue();
    g.tables.map(top, g.levels, 0xA00_3000L, 0x30_3000L, 4096, true, true);
    assertThat(session.dmaRead("gpu", 0xA00_3000L, 64).ok()).as("a walk needs the context entry again").isFalse();
    assertThat(frcd0().reason()).isEqualTo(2);
  }
}
