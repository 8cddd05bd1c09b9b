/** DMA API support: the IOVA allocator with per-CPU caches and the lazy flush queue. */
package io.vtdsim.driver.dma;
