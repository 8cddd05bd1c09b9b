package io.vtdsim.emu.vtd.qi;

import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.DeviceTlbInvalidation;
import io.vtdsim.emu.spec.InterruptEntryCacheInvalidation;
import io.vtdsim.emu.spec.InvalidationDescriptor;
import io.vtdsim.emu.spec.InvalidationWait;
import io.vtdsim.emu.spec.IotlbInvalidation;

/**
 * The {@code desc} attribute of {@code vtd.descriptor} and {@code vtd.register-invalidation} events:
 * cc-global | cc-domain | cc-device | iotlb-global | iotlb-dsi | iotlb-psi | devtlb | iec | wait.
 */
public final class DescriptorNames {
  private DescriptorNames() {}

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
    if (d instanceof InvalidationWait) return "wait";
    return "malformed";
  }
}
