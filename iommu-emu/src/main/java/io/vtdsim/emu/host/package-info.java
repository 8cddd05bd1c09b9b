/**
 * The host IOMMU as the VMM sees it: a {@link io.vtdsim.emu.host.HostContainer} holding IOVA →
 * guest-physical (host-backed) mappings with the refusal rules of Linux vfio type1 v2 or iommufd.
 * Refused calls are events ({@code host.error}), counted, never exceptions: QEMU only logs them.
 */
package io.vtdsim.emu.host;
