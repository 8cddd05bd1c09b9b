/**
 * Nesting instead of shadowing (QEMU's intel-iommu with {@code scalable-mode=on,fsts=on} and an
 * iommufd-backed assigned device, {@code hw/i386/intel_iommu_accel.c}): the guest's first-stage table
 * is handed to the host as a nested HWPT and only the guest's PASID-cache and PASID-based IOTLB
 * invalidations are forwarded. {@link io.vtdsim.emu.nested.NestedForwarder} is the unit's
 * {@link io.vtdsim.emu.vtd.RemappingObserver} for it.
 */
package io.vtdsim.emu.nested;
