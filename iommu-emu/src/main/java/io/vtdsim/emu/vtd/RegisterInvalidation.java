package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextCommand;
import io.vtdsim.emu.spec.InvalidateAddress;
import io.vtdsim.emu.spec.IotlbCommand;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.vtd.qi.DescriptorNames;
import java.util.List;

/**
 * Register-based invalidation (VT-d spec 6.5.1): the Context Command register and the IOTLB
 * Invalidate / Invalidate Address pair, as QEMU's vtd_handle_ccmd_write and vtd_handle_iotlb_write.
 * Ignored while queued invalidation is enabled (ICC/IVT then stay set), as QEMU.
 */
final class RegisterInvalidation {
  static final String EV_INVALIDATION = EventKind.REGISTER_INVALIDATION.label();
  static final String EV_IGNORED = EventKind.REGISTER_INVALIDATION_IGNORED.label();

  private final RegisterFile regs;
  private final VtdConfig config;
  private final Translator translator;
  private final List<RemappingObserver> observers;
  private final EventLog log;
  private final int iva;
  private final int iotlb;

  RegisterInvalidation(RegisterFile regs, VtdConfig config, Translator translator,
      List<RemappingObserver> observers, EventLog log) {
    this.regs = regs;
    this.config = config;
    this.translator = translator;
    this.observers = observers;
    this.log = log;
    this.iva = Registers.iva(config.ecap().iro());
    this.iotlb = Registers.iotlb(config.ecap().iro());
  }

  /**
   * CCMD with ICC set: CIRG 1 (global) and 2 (domain) both flush every context entry and report CAIG
   * 1; CIRG 3 flushes the device (SID, FM) and reports CAIG 3; CIRG 0 reports CAIG 0 (as QEMU).
   * Observers hear the requested granularity.
   */
  void contextCommand(boolean queuedInvalidationEnabled) {
    long raw = regs.raw64(Registers.CCMD);
    ContextCommand cmd = ContextCommand.decode(raw);
    if (!cmd.icc()) return;
    if (queuedInvalidationEnabled) {
      ignored("CCMD");
      return;
    }
    ContextCacheInvalidation requested = cmd.cirg() == 0 ? null : switch (ContextCacheInvalidation.Granularity.of(cmd.cirg())) {
      case GLOBAL -> ContextCacheInvalidation.global();
      case DOMAIN -> ContextCacheInvalidation.domain(cmd.did());
      case DEVICE -> ContextCacheInvalidation.device(cmd.did(), cmd.sid(), cmd.fm());
    };
    int caig;
    if (requested == null) {
      caig = 0;
      rejected("CCMD", "CIRG 0");
    } else if (requested.granularity() == ContextCacheInvalidation.Granularity.DEVICE) {
      caig = ContextCacheInvalidation.Granularity.DEVICE.encoding();
      translator.invalidateContextDevice(cmd.sid(), cmd.fm());
    } else {
      caig = ContextCacheInvalidation.Granularity.GLOBAL.encoding();
      translator.invalidateContextGlobal();
    }
    regs.setRaw(Registers.CCMD, 8, ContextCommand.completed(raw, caig));
    if (requested != null) {
      log.emit(EV_INVALIDATION, "vtd", "CCMD: " + requested.describe() + ", CAIG " + caig,
          Attrs.of("desc", DescriptorNames.of(requested), "register", "CCMD", "did", cmd.did(), "sid", cmd.sid(),
              "fm", cmd.fm(), "caig", caig));
      for (RemappingObserver o : observers) o.contextCacheInvalidated(requested);
    }
  }

  /**
   * IOTLB with IVT set: IIRG 1 global, 2 domain, 3 page (address and AM from IVA); IAIG reports the
   * same granularity, or 0 for IIRG 0 or AM > MAMV (as QEMU). DR/DW are accepted and have no effect.
   */
  void iotlbCommand(boolean queuedInvalidationEnabled) {
    long raw = regs.raw64(iotlb);
    IotlbCommand cmd = IotlbCommand.decode(raw);
    if (!cmd.ivt()) return;
    if (queuedInvalidationEnabled) {
      ignored("IOTLB");
      return;
    }
    InvalidateAddress address = InvalidateAddress.decode(regs.raw64(iva));
    IotlbInvalidation done = performIotlb(cmd, address);
    int iaig = done == null ? 0 : done.granularity().encoding();
    regs.setRaw(iotlb, 8, IotlbCommand.completed(raw, iaig));
    if (done != null) {
      log.emit(EV_INVALIDATION, "vtd", "IOTLB register: " + done.describe() + ", IAIG " + iaig,
          Attrs.of("desc", DescriptorNames.of(done), "register", "IOTLB", "did", done.did(),
              "addr", done.address(), "am", done.am(), "iaig", iaig));
      for (RemappingObserver o : observers) o.iotlbInvalidated(done);
    }
  }

  /** Runs the requested IOTLB flush; null when the hardware refuses it (IAIG 0). */
  private IotlbInvalidation performIotlb(IotlbCommand cmd, InvalidateAddress address) {
    if (cmd.iirg() == 0) {
      rejected("IOTLB", "IIRG 0");
      return null;
    }
    switch (IotlbInvalidation.Granularity.of(cmd.iirg())) {
      case GLOBAL:
        translator.invalidateIotlbGlobal();
        return IotlbInvalidation.global(cmd.dr(), cmd.dw());
      case DOMAIN:
        translator.invalidateIotlbDomain(cmd.did());
        return IotlbInvalidation.domain(cmd.did(), cmd.dr(), cmd.dw());
      default:
        if (address.am() > config.cap().mamv()) {
          rejected("IOTLB", String.format("AM %d > MAMV %d", address.am(), config.cap().mamv()));
          return null;
        }
        translator.invalidateIotlbPage(cmd.did(), address.address(), address.am(), address.ih());
        return IotlbInvalidation.page(cmd.did(), address.address(), address.am(), address.ih(), cmd.dr(), cmd.dw());
    }
  }

  private void ignored(String register) {
    log.emit(EV_IGNORED, "vtd", register + " invalidation ignored: queued invalidation is enabled",
        Attrs.of("register", register));
  }

  private void rejected(String register, String reason) {
    log.emit(EV_INVALIDATION, "vtd", register + " invalidation not performed (" + reason + "), granularity 0",
        Attrs.of("desc", "rejected", "register", register, "reason", reason));
  }
}
