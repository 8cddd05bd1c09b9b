/**
 * A Linux-like intel-iommu guest driver. It reaches the machine only through MMIO
 * ({@link io.vtdsim.emu.platform.MmioBus}) and guest memory ({@link io.vtdsim.emu.platform.GuestMemory}),
 * and uses {@code io.vtdsim.emu.spec} for the architecture's encodings — never the hardware model.
 */
package io.vtdsim.driver;
