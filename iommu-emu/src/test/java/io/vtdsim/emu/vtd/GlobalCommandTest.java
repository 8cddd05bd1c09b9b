package io.vtdsim.emu.vtd;

import static org.assertj.core.api.Assertions.assertThat;

import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.Registers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GCMD/GSTS handshakes (VT-d spec 10.4.4/10.4.5; QEMU's vtd_handle_gcmd_write, hw/i386/intel_iommu.c). */
class GlobalCommandTest {
  /** ECAP of qemu-7.2 with interrupt remapping (intremap=on): IR, EIM off, MHMV 0xF. */
  static final ExtendedCapability ECAP_WITH_IR =
      new ExtendedCapability(false, true, false, true, false, true, false, 0xF, 0xF, false, false);

  private static List<String> commandBits(VtdTestBed bed) {
    return bed.events(VtdUnit.EV_COMMAND).stream().map(e -> (String) e.attrs().get("bit")).toList();
  }

  @Test
  void translationEnableSetsAndClearsTesAndResetsCaches() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.command(GlobalCommand.TE, true);
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.TE).isEqualTo(GlobalCommand.TE);
    assertThat(bed.unit.translationEnabled()).isTrue();
    bed.command(GlobalCommand.TE, false);
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.TE).isZero();
    assertThat(bed.unit.translationEnabled()).isFalse();
    assertThat(bed.translatorCalls()).containsExactly("resetCaches()", "resetCaches()");
    assertThat(bed.observer.calls).containsExactly("te true", "te false");
    assertThat(bed.events(VtdUnit.EV_COMMAND)).extracting(e -> e.attrs().get("enabled")).containsExactly(true, false);
  }

  @Test
  void writingTheCurrentStatusBackChangesNothing() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.command(GlobalCommand.TE, true);
    bed.w32(Registers.GCMD, bed.r32(Registers.GSTS)); // TE already set: no change
    assertThat(bed.translatorCalls()).containsExactly("resetCaches()");
    assertThat(bed.observer.calls).containsExactly("te true");
  }

  @Test
  void srtpLatchesRtaddrMaskedToTheHostAddressWidth() {
    VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-7.2", 39));
    bed.w64(Registers.RTADDR, (1L << 45) | 0x12_3000L | 0x400); // bit 45 above HAW 39; bit 10 (TTM)
    assertThat(bed.unit.rootTableAddress()).isZero(); // not latched before SRTP
    bed.command(GlobalCommand.SRTP, true);
    assertThat(bed.unit.rootTableAddress()).isEqualTo(0x12_3000L);
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.SRTP).isEqualTo(GlobalCommand.SRTP);
    assertThat(bed.translatorCalls()).containsExactly("resetCaches()");
    assertThat(bed.observer.calls).containsExactly("root 0x123000");
    // RTPS is never cleared; a later RTADDR write is not used until the next SRTP
    bed.w64(Registers.RTADDR, 0x55_5000L);
    bed.w32(Registers.GCMD, 0);
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.SRTP).isEqualTo(GlobalCommand.SRTP);
    assertThat(bed.unit.rootTableAddress()).isEqualTo(0x12_3000L);
    Event e = bed.events(VtdUnit.EV_COMMAND).get(0);
    assertThat(e.attrs()).containsEntry("bit", "srtp").containsEntry("rootTable", 0x12_3000L);
  }

  @Test
  void qieEnableLatchesTheQueueBaseMaskedToHaw() {
    VtdTestBed bed = new VtdTestBed(VtdConfig.preset("qemu-7.2", 39));
    bed.w64(Registers.IQA, (1L << 40) | 0x20_0000L | 1);
    bed.command(GlobalCommand.QIE, true);
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.QIE).isEqualTo(GlobalCommand.QIE);
    assertThat(bed.r64(Registers.IQA)).isEqualTo(0x20_0000L | 1);
    assertThat(bed.events(VtdUnit.EV_COMMAND).get(0).attrs())
        .containsEntry("bit", "qie").containsEntry("enabled", true).containsEntry("size", 512);
  }

  @Test
  void qieDisableIsRefusedUnlessTheLastDescriptorWasAWaitAndTheQueueIsDrained() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.enableQueue(0x10_0000, 0);
    bed.command(GlobalCommand.QIE, false); // nothing processed yet: refused, as QEMU
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.QIE).isEqualTo(GlobalCommand.QIE);
    assertThat(bed.events(VtdUnit.EV_COMMAND).get(1).attrs()).containsKey("refused");

    bed.submit(InvalidationWait.statusWrite(2, 0x8000));
    bed.command(GlobalCommand.QIE, false);
    assertThat(bed.r32(Registers.GSTS) & GlobalCommand.QIE).isZero();
    assertThat(bed.r64(Registers.IQH)).isZero();
    assertThat(bed.r64(Registers.IQT)).isEqualTo(0x10); // the tail is never reset
  }

  @Test
  void qieEnableWithANonZeroTailProcessesAtOnce() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.queueBase = 0x10_0000;
    bed.writeDescriptor(0, InvalidationWait.statusWrite(2, 0x8000).lo(), 0x8000);
    bed.w64(Registers.IQA, 0x10_0000);
    bed.w64(Registers.IQT, 0x10);
    assertThat(bed.memory.read32(0x8000)).isZero(); // QI off: only stored
    bed.command(GlobalCommand.QIE, true);
    assertThat(bed.memory.read32(0x8000)).isEqualTo(2);
    assertThat(bed.r64(Registers.IQH)).isEqualTo(0x10);
  }

  @Test
  void qieIsIgnoredWithoutEcapQi() {
    VtdConfig noQi = VtdConfig.qemu72().withEcap(VtdConfig.qemu72().ecap().withQi(false));
    VtdTestBed bed = new VtdTestBed(noQi);
    bed.w64(Registers.IQA, 0x10_0000);
    bed.command(GlobalCommand.QIE, true);
    assertThat(bed.r32(Registers.GSTS)).isZero();
    assertThat(commandBits(bed)).isEmpty();
  }

  @Test
  void writeBufferFlushCompletesAtOnceOnlyWhenRwbfIsReported() {
    VtdTestBed without = VtdTestBed.qemu72();
    without.command(GlobalCommand.WBF, true);
    assertThat(commandBits(without)).isEmpty();

    VtdConfig rwbf = VtdConfig.qemu72().withCap(VtdConfig.qemu72().cap().withRwbf(true));
    VtdTestBed with = new VtdTestBed(rwbf);
    with.command(GlobalCommand.WBF, true);
    assertThat(commandBits(with)).containsExactly("wbf");
    assertThat(with.r32(Registers.GSTS) & GlobalCommand.WBF).isZero(); // WBFS: flush already done
  }

  @Test
  void interruptRemappingBitsActOnlyWhenIrIsSupported() {
    VtdTestBed noIr = VtdTestBed.qemu72();
    noIr.w64(Registers.IRTA, 0x30_0000L | 0xF);
    noIr.command(GlobalCommand.SIRTP, true);
    noIr.command(GlobalCommand.IRE, true);
    assertThat(noIr.r32(Registers.GSTS)).isZero();

    VtdTestBed ir = new VtdTestBed(VtdConfig.qemu72().withEcap(ECAP_WITH_IR));
    ir.w64(Registers.IRTA, 0x30_0000L | 0xF);
    ir.command(GlobalCommand.SIRTP, true);
    assertThat(ir.r32(Registers.GSTS) & GlobalCommand.SIRTP).isEqualTo(GlobalCommand.SIRTP);
    assertThat(ir.unit.interruptRemapTableAddress()).isEqualTo(0x30_0000L | 0xF);
    ir.command(GlobalCommand.IRE, true);
    assertThat(ir.r32(Registers.GSTS) & GlobalCommand.IRE).isEqualTo(GlobalCommand.IRE);
    ir.command(GlobalCommand.IRE, false);
    assertThat(ir.r32(Registers.GSTS) & GlobalCommand.IRE).isZero();
    assertThat(commandBits(ir)).containsExactly("sirtp", "ire", "ire");
  }

  @Test
  void ignoredCommandsSetNoStatus() {
    VtdTestBed bed = VtdTestBed.qemu72();
    bed.w32(Registers.GCMD, GlobalCommand.SFL | GlobalCommand.EAFL | GlobalCommand.CFI);
    assertThat(bed.r32(Registers.GSTS)).isZero();
    assertThat(bed.translatorCalls()).isEmpty();
  }
}
