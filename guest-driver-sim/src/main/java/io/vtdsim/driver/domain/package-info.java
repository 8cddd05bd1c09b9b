/** Domains and the domain-ID allocator. */
package io.vtdsim.driver.domain;
