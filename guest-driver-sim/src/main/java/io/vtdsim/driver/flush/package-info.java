/** IOTLB flush decisions: the PSI mask rules, PSI→DSI fallback and the selectable flush policies. */
package io.vtdsim.driver.flush;
