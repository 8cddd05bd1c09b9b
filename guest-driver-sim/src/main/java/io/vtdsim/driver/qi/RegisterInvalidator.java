package io.vtdsim.driver.qi;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.ContextCommand;
import io.vtdsim.emu.spec.InvalidateAddress;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.IotlbCommand;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.Registers;
import java.util.List;

/**
 * Register-based invalidation when ECAP.QI=0 (Linux's __iommu_flush_context / __iommu_flush_iotlb):
 * CCMD with ICC, then spin until ICC=0; IVA (PSI only) then the IOTLB register with IVT, spin until
 * IVT=0. Only context-cache and IOTLB invalidations exist on this path.
 */
public final class RegisterInvalidator implements Invalidator {
  private final UnitMmio mmio;
  private final int iro;
  private final boolean passesIh;

  /** @param passesIh whether the IH hint reaches IVA (≤6.11; 6.12 dropped it) */
  public RegisterInvalidator(UnitMmio mmio, int iro, boolean passesIh) {
    this.mmio = mmio;
    this.iro = iro;
    this.passesIh = passesIh;
  }

  @Override
  public boolean queued() {
    return false;
  }

  @Override
  public void submit(List<InvalidationDescriptor> descriptors) {
    for (InvalidationDescriptor d : descriptors) {
      if (d instanceof ContextCacheInvalidation cc) {
        long cmd = new ContextCommand(true, cc.granularity().encoding(), 0, cc.fm(), cc.sid(), cc.did()).encode();
        mmio.write64(Registers.CCMD, cmd);
        mmio.await64(Registers.CCMD, v -> (v & ContextCommand.ICC) == 0, "context-cache invalidation (CCMD.ICC)");
      } else if (d instanceof IotlbInvalidation io) {
        if (io.granularity() == IotlbInvalidation.Granularity.PAGE) {
          mmio.write64(Registers.iva(iro), new InvalidateAddress(io.address(), io.ih() && passesIh, io.am()).encode());
        }
        long cmd = new IotlbCommand(true, io.granularity().encoding(), 0, io.drainReads(), io.drainWrites(), io.did())
            .encode();
        mmio.write64(Registers.iotlb(iro), cmd);
        mmio.await64(Registers.iotlb(iro), v -> (v & IotlbCommand.IVT) == 0, "IOTLB invalidation (IVT)");
      } else {
        throw new IllegalArgumentException("register-based invalidation can not carry " + d.describe());
      }
    }
  }
}
