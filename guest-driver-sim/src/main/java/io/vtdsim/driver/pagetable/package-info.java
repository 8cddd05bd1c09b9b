/** Second-level page tables in guest memory (map, unmap, superpages, freelist) and the driver's page pool. */
package io.vtdsim.driver.pagetable;
