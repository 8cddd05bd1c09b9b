package io.vtdsim.driver;

import io.vtdsim.driver.flush.FlushPolicy;
import io.vtdsim.driver.qi.QueuedInvalidator;
import io.vtdsim.driver.qi.RegisterInvalidator;
import io.vtdsim.driver.qi.UnitMmio;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.Capability;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ExtendedCapability;
import io.vtdsim.emu.spec.GlobalCommand;
import io.vtdsim.emu.spec.InvalidationQueueRegisters;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.Registers;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.spec.SourceId;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings the unit up as Linux's init_dmars/intel_iommu_init (drivers/iommu/intel/iommu.c): capability
 * reading, queued invalidation, root table and SRTP, the global flushes, the fault interrupt, the
 * default domains and TE; in scalable mode the 256-bit queue, RTADDR.TTM = 01b and the global
 * PASID-cache invalidation after SRTP. Fills the boot-time state of the {@link DriverContext}. Called under the
 * driver lock.
 */
final class UnitBringUp {
  private final DriverContext ctx;
  private final UnitMmio mmio;
  private final Flusher flusher;
  private final FaultHandler faults;
  private final DeviceAttachments attachments;

  UnitBringUp(DriverContext ctx, Flusher flusher, FaultHandler faults, DeviceAttachments attachments) {
    this.ctx = ctx;
    this.mmio = ctx.mmio;
    this.flusher = flusher;
    this.faults = faults;
    this.attachments = attachments;
  }

  /**
   * Initialises the unit and attaches the default domains of {@code devices} in BDF order before
   * enabling translation; the 4.10 preset enables translation first and attaches each device at its
   * first DMA map.
   */
  void boot(List<SourceId> devices) {
    if (ctx.booted) throw new IllegalStateException("the driver is already booted");
    readCapabilities();
    initQueuedInvalidation();
    attachments.allocateDomainIds();
    ctx.flushPolicy = new FlushPolicy(ctx.preset, ctx.config.flush(), ctx.cap);
    if ((mmio.read32(Registers.GSTS) & GlobalCommand.TE) != 0) {
      // firmware left translation on: turn it off first (not a kdump kernel)
      ctx.gcmd &= ~GlobalCommand.TE;
      mmio.write32(Registers.GCMD, ctx.gcmd);
      mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.TE) == 0, "TE off (GSTS.TES=0)");
    }
    ctx.rootTable = ctx.pool.allocate();
    flusher.writeBufferFlush();
    // iommu_set_root_entry: DMA_RTADDR_SMT (TTM = 01b) in scalable mode
    mmio.write64(Registers.RTADDR, new RootTableAddress(ctx.rootTable,
        ctx.scalable ? RootTableAddress.Mode.SCALABLE : RootTableAddress.Mode.LEGACY).encode());
    mmio.write32(Registers.GCMD, ctx.gcmd | GlobalCommand.SRTP);
    mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.SRTP) != 0, "set root table pointer (GSTS.RTPS)");
    if (!ctx.cap.esrtps()) {
      flusher.invalidate(List.of(ContextCacheInvalidation.global()));
      if (ctx.scalable && ctx.preset.srtpFlushesPasidCache()) flusher.invalidate(List.of(PasidCacheInvalidation.global()));
      flusher.invalidate(List.of(IotlbInvalidation.global(ctx.cap.drd(), ctx.cap.dwd())));
    }
    flusher.writeBufferFlush();
    setFaultInterrupt();
    List<SourceId> sorted = new ArrayList<>(devices);
    sorted.sort((a, b) -> Integer.compare(a.sid(), b.sid()));
    ctx.booted = true;
    if (ctx.preset.translationBeforeAttach()) {
      enableTranslation();
      attachments.attachAtFirstMap(sorted);
    } else {
      attachments.attachDefaultDomains(sorted);
      enableTranslation();
    }
  }

  private void readCapabilities() {
    // DMAR table parse, then alloc_iommu (which also reads VER and GSTS)
    mmio.read64(Registers.CAP);
    mmio.read64(Registers.ECAP);
    long capValue = mmio.read64(Registers.CAP);
    long ecapValue = mmio.read64(Registers.ECAP);
    mmio.read32(Registers.VER);
    int gsts = mmio.read32(Registers.GSTS);
    if (capValue == -1L && ecapValue == -1L) throw new DriverException("no remapping unit at the MMIO base (CAP/ECAP read all-ones)");
    Capability cap = Capability.decode(capValue);
    ctx.cap = cap;
    ctx.ecap = ExtendedCapability.decode(ecapValue);
    if (cap.sagaw() == 0) throw new DriverException("CAP.SAGAW is 0: the unit is ignored");
    // sm_supported(iommu): intel_iommu_sm && ecap_smts; the PASID-based invalidations need the queue
    ctx.scalable = ctx.ecap.smts() && ctx.config.scalableMode().wanted(ctx.preset) && ctx.ecap.qi();
    int sagaw = sagaw(cap, ctx.ecap);
    int max = AddressWidth.agawOfWidth(Math.min(ctx.preset.defaultAddressWidth(), cap.guestAddressWidth()));
    int agaw = -1;
    for (int a = max; a >= 0; a--) {
      if ((sagaw & (1 << a)) != 0) {
        agaw = a;
        break;
      }
    }
    if (agaw < 0) {
      for (int a = max + 1; a < 5; a++) {
        if ((sagaw & (1 << a)) != 0) {
          agaw = a;
          break;
        }
      }
    }
    ctx.agaw = agaw;
    if (agaw < 0) throw new DriverException("no supported AGAW in SAGAW 0x" + Integer.toHexString(sagaw));
    // keep the persistent enables firmware left on
    ctx.gcmd = gsts & (GlobalCommand.TE | GlobalCommand.QIE | GlobalCommand.IRE);
  }

  /**
   * The AGAWs the driver may use: CAP.SAGAW; from 6.0 (__iommu_calculate_sagaw) in scalable mode with
   * ECAP.FLTS the first level's 48 bits (and 57 with CAP.FL5LP) — alone on a unit without SSTS, ANDed
   * with CAP.SAGAW otherwise.
   */
  private int sagaw(Capability cap, ExtendedCapability ecap) {
    if (!ctx.preset.firstLevelSagaw() || !ctx.scalable || !ecap.fsts()) return cap.sagaw();
    int firstLevel = Capability.SAGAW_48 | (cap.fl5lp() ? Capability.SAGAW_57 : 0);
    return ecap.ssts() ? firstLevel & cap.sagaw() : firstLevel;
  }

  private void initQueuedInvalidation() {
    faults.handleFaults();
    int gsts = mmio.read32(Registers.GSTS);
    if ((gsts & GlobalCommand.QIE) != 0) {
      // dmar_disable_qi: let the queue drain, then turn it off
      mmio.await64(Registers.IQH, v -> v == mmio.read64(Registers.IQT), "queue drain (IQH == IQT)");
      ctx.gcmd &= ~GlobalCommand.QIE;
      mmio.write32(Registers.GCMD, ctx.gcmd);
      mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.QIE) == 0, "QI off (GSTS.QIES=0)");
    }
    if (ctx.ecap.qi()) {
      // dmar_enable_qi (5.0+): with ECAP.SMTS two pages of 256-bit descriptors, IQA.DW and QS=1 — even
      // when scalable mode is off (__dmar_enable_qi tests ecap_smts, not sm_supported)
      boolean wide = ctx.ecap.smts() && ctx.preset.scalableModeSupported();
      long queue = wide ? ctx.pool.allocateContiguous(2) : ctx.pool.allocate();
      long status = ctx.pool.allocate();
      // __dmar_enable_qi (dmar.c, every era): writel(0, IQT), then dmar_writeq(IQA)
      mmio.write32(Registers.IQT, 0);
      mmio.write64(Registers.IQA, InvalidationQueueRegisters.iqa(queue, wide, wide ? 1 : 0));
      ctx.gcmd |= GlobalCommand.QIE;
      mmio.write32(Registers.GCMD, ctx.gcmd);
      mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.QIE) != 0, "QI enable (GSTS.QIES)");
      ctx.invalidator = new QueuedInvalidator(mmio, ctx.memory, queue, status, wide);
    } else {
      ctx.invalidator = new RegisterInvalidator(mmio, ctx.ecap.iro(), ctx.preset.ihOnRegisterPath());
    }
  }

  /** dmar_set_interrupt: the MSI is composed at activation and again at affinity set (two writes each, as traced). */
  private void setFaultInterrupt() {
    for (int i = 0; i < 2; i++) {
      mmio.write32(Registers.FEDATA, ctx.config.faultMsiData());
      mmio.write32(Registers.FEADDR, (int) ctx.config.faultMsiAddress());
      mmio.write32(Registers.FEUADDR, (int) (ctx.config.faultMsiAddress() >>> 32));
    }
    mmio.write32(Registers.FECTL, 0);
    mmio.read32(Registers.FECTL);
  }

  /**
   * intel_iommu_shutdown (6c3a44ed3c55 "Turn off translations at shutdown", 5.1): the protected memory
   * regions off where CAP.PLMR/PHMR (iommu_disable_protect_mem_regions), then iommu_disable_translation —
   * GCMD written with TE cleared (QIE kept), GSTS polled until TES=0; no invalidations (a Linux 6.1
   * guest's trace on QEMU 7.2, docs/linux-6.1-trace.md §1: GCMD=0x04000000, one GSTS read). Older
   * kernels have no shutdown hook: translation stays on.
   */
  void shutdown() {
    if (!ctx.preset.shutdownDisablesTranslation()) return;
    if (ctx.cap.plmr() || ctx.cap.phmr()) {
      mmio.write32(Registers.PMEN, mmio.read32(Registers.PMEN) & ~PMEN_EPM);
      mmio.await32(Registers.PMEN, v -> (v & PMEN_PRS) == 0, "protected memory regions off (PMEN.PRS=0)");
    }
    ctx.gcmd &= ~GlobalCommand.TE;
    mmio.write32(Registers.GCMD, ctx.gcmd);
    mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.TE) == 0, "translation disable (GSTS.TES=0)");
  }

  /** PMEN.EPM (bit 31) and PMEN.PRS (bit 0), VT-d spec 11.4.13. */
  private static final int PMEN_EPM = 1 << 31;
  private static final int PMEN_PRS = 1;

  private void enableTranslation() {
    ctx.gcmd |= GlobalCommand.TE;
    mmio.write32(Registers.GCMD, ctx.gcmd);
    mmio.await32(Registers.GSTS, v -> (v & GlobalCommand.TE) != 0, "translation enable (GSTS.TES)");
  }
}
