/**
 * Caching-mode shadowing (what QEMU's intel-iommu does for vfio devices when CAP.CM=1): the guest's
 * second-level tables are copied into each assigned device's host container, driven only by the
 * invalidations the guest sends. {@link io.vtdsim.emu.shadow.CachingModeShadow} receives the unit's
 * {@link io.vtdsim.emu.vtd.RemappingObserver} callbacks, keeps one address space per assigned device
 * (two notifier ranges around the interrupt window, identity or translated), walks guest tables
 * itself (never through the unit's translator or IOTLB, as QEMU's {@code vtd_page_walk}) and lets a
 * {@link io.vtdsim.emu.shadow.ShadowSync} strategy decide which MAP/UNMAP notifier events reach the
 * host.
 *
 * <p>Events: {@code shadow.walk} {device, start, end (exclusive), entries, reason psi|dsi|global|
 * context|replay},
 * {@code shadow.notify} {device, type MAP|UNMAP, iova, size, gpa, read, write},
 * {@code shadow.switch} {device, mode identity|translated}.
 */
package io.vtdsim.emu.shadow;
