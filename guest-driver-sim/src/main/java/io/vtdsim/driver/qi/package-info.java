/** Invalidation submission: qi_submit_sync-style queued invalidation and the register-based fallback. */
package io.vtdsim.driver.qi;
