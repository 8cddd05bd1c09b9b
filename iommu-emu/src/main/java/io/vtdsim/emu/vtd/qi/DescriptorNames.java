package io.vtdsim.emu.vtd.qi;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.DeviceTlbInvalidation;
import io.vtdsim.emu.spec.InterruptEntryCacheInvalidation;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.PasidCacheInvalidation;
import io.vtdsim.emu.spec.PasidDeviceTlbInvalidation;
import io.vtdsim.emu.spec.PasidIotlbInvalidation;

/**
 * The {@code desc} attribute of {@code vtd.descriptor} and {@code vtd.register-invalidation} events:
 * cc-global | cc-domain | cc-device | iotlb-global | iotlb-dsi | iotlb-psi | devtlb | iec | wait, and in
 * 256-bit queues piotlb-pasid | piotlb-psi | pc-global | pc-domain | pc-pasid | devtlb-pasid.
 */
public final class DescriptorNames {
  /** The wait descriptor's name. */
  public static final String WAIT = "wait";

  private DescriptorNames() {}

  /** The name of an IOTLB invalidation from its low word, as {@link #of} names the decoded one. */
  public static String ofIotlb(long lo) {
    return switch (IotlbInvalidation.Granularity.of(IotlbInvalidation.granularityOf(lo))) {
      case GLOBAL -> "iotlb-global";
      case DOMAIN -> "iotlb-dsi";
      case PAGE -> "iotlb-psi";
    };
  }

  public static String of(InvalidationDescriptor d) {
    if (d instanceof ContextCacheInvalidation c) {
      return switch (c.granularity()) {
        case GLOBAL -> "cc-global";
        case DOMAIN -> "cc-domain";
        case DEVICE -> "cc-device";
      };
    }
    if (d instanceof IotlbInvalidation t) {
      return switch (t.granularity()) {
        case GLOBAL -> "iotlb-global";
        case DOMAIN -> "iotlb-dsi";
        case PAGE -> "iotlb-psi";
      };
    }
    if (d instanceof DeviceTlbInvalidation) return "devtlb";
    if (d instanceof InterruptEntryCacheInvalidation) return "iec";
    if (d instanceof InvalidationWait) return WAIT;
    if (d instanceof PasidIotlbInvalidation t) {
      return t.granularity() == PasidIotlbInvalidation.Granularity.PAGE ? "piotlb-psi" : "piotlb-pasid";
    }
    if (d instanceof PasidCacheInvalidation p) {
      return switch (p.granularity()) {
        case GLOBAL -> "pc-global";
        case DOMAIN -> "pc-domain";
        case PASID -> "pc-pasid";
      };
    }
    if (d instanceof PasidDeviceTlbInvalidation) return "devtlb-pasid";
    return "malformed";
  }
}
