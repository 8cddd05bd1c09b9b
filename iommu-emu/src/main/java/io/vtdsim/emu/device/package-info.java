/**
 * DMA masters. {@link io.vtdsim.emu.device.AssignedDevice} reaches guest memory only through its host
 * container (what vfio programmed into the real IOMMU); {@link io.vtdsim.emu.device.NestedAssignedDevice}
 * through its nested HWPT (the host IOTLB, else the guest's stage 1 on the VMM's stage 2);
 * {@link io.vtdsim.emu.device.EmulatedDevice} goes through the VT-d unit's translate path, caches
 * included.
 *
 * <p>All split a request into per-4 KiB-page accesses, as IOMMU traffic is translated per page.
 * A request is all or nothing: every page is translated first; if one faults (the first fault ends
 * the request), no byte of the request is moved and the result names the faulting IOVA — except
 * that an emulated device of a unit with {@code UnitBehaviour.partialDmaBeforeFault} (QEMU) writes
 * the pages before the faulting one, as QEMU's {@code dma_memory_rw} does. Events:
 * {@code dma.ok} {device, op, iova, length}, {@code dma.fault} {device, op, iova, reason}.
 */
package io.vtdsim.emu.device;
