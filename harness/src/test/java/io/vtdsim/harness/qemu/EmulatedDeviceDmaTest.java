package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.FaultRecord;
import io.vtdsim.emu.spec.FaultStatus;
import io.vtdsim.emu.spec.Registers;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** An emulated device's DMA goes through QEMU's edu device and QEMU's own VT-d translation. */
@Tag("qemu")
class EmulatedDeviceDmaTest {
  static final int SID = 0x0010; // 00:02.0
  static final int DID = 2;
  static final long IOVA = 0xA000000L;

  private QemuSession session;

  @AfterEach
  void close() {
    if (session != null) session.close();
  }

  @Test
  void aMappedIovaPassesAndAnUnmappedOneLeavesAFaultRecord() {
    session = QemuSession.start(QemuTests.installation(), new QemuMachineOptions(48, true, 256L << 20,
        List.of(new QemuDevice("gpu", 0, 2, 0, false))), QemuSession.Listener.ACCEPT_ALL);
    QemuGuest g = new QemuGuest(session, 48);
    long top = g.tables.multiLevelContext(SID, DID, g.agaw());
    g.bringUp();
    g.translation(true);
    g.tables.map(top, g.levels, IOVA, 0x300000L, 4096, true, true);
    g.psi(DID, IOVA, 0);

    DmaAccess ok = session.dmaRead("gpu", IOVA, 64);
    assertThat(ok.ok()).isTrue();
    assertThat(g.regs.read(Registers.FSTS, 4)).isZero();

    DmaAccess fault = session.dmaRead("gpu", 0xB000000L, 64);
    assertThat(fault.ok()).isFalse();
    assertThat(fault.errno()).isEqualTo(19);
    assertThat(g.regs.read(Registers.FSTS, 4) & FaultStatus.PPF).isEqualTo(FaultStatus.PPF);
    int frcd = Capability.decode(g.regs.read(Registers.CAP, 8)).fro() * 16;
    FaultRecord r = FaultRecord.decode(g.regs.read(frcd, 8), g.regs.read(frcd + FaultRecord.HI_OFFSET, 8));
    assertThat(r.fault()).isTrue();
    assertThat(r.sid()).isEqualTo(SID);
    assertThat(r.pageAddress()).isEqualTo(0xB000000L);
    assertThat(r.read()).isTrue();
    assertThat(r.reason()).as("fault reason 6: not present for read (SL PTE R=0)").isEqualTo(6);

    assertThatThrownBy(() -> session.dmaRead("gpu", IOVA, 64))
        .isInstanceOf(QemuException.class).hasMessageContaining("a fault is still pending");
    assertThatThrownBy(() -> session.dmaWrite("gpu", IOVA, new byte[4]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eduWriteBuffer");
  }
}
