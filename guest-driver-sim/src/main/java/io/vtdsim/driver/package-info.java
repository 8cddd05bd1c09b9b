/**
 * A Linux-like intel-iommu guest driver. It reaches the machine only through MMIO
 * ({@link io.vtdsim.emu.platform.MmioBus}) and guest memory ({@link io.vtdsim.emu.platform.GuestMemory}),
 * and uses {@code io.vtdsim.emu.spec} for the architecture's encodings — never the hardware model.
 *
 * <p><b>Scalable mode.</b> On a unit with ECAP.SMTS the driver of an era that knows scalable mode (5.0+)
 * runs it when {@link io.vtdsim.driver.ScalableMode} (intel_iommu=sm_on|sm_off) says so — by default as
 * the era's kernel does: off in 5.10, on from 5.15 — and the unit has queued invalidation:
 * RTADDR.TTM = 01b, a 256-bit invalidation queue (IQA.DW=1, QS=1, set on every SMTS unit even with
 * scalable mode off, as __dmar_enable_qi), a global PASID-cache invalidation after SRTP (5.13+, unless
 * ESRTPS), and per device a scalable context entry, a one-page PASID directory and the RID_PASID (PASID
 * 0) entry ({@link io.vtdsim.driver.ScalableTables}). A domain is first-stage where
 * first_level_by_default says (5.6–5.14: whenever ECAP.FSTS; 5.15+: the one stage offered, else first
 * stage except for IOMMU-API domains) — its table in the x86-64 paging format
 * ({@link io.vtdsim.driver.pagetable.PteFormat}), its flushes PASID-based IOTLB invalidations without
 * a map-time flush even under CM, and under CM in 6.3+ it keeps the lazy flush queue — else
 * second-stage, flushed as in legacy mode. {@link io.vtdsim.driver.IntelIommuDriver#scalableMode()} and
 * {@link io.vtdsim.driver.IntelIommuDriver#domainStage} report which.
 */
package io.vtdsim.driver;
