/**
 * Small hardware-agnostic data structures shared by the emulator and the harness: {@link
 * io.vtdsim.emu.util.RangeMap}, a compact sorted map of address ranges.
 */
package io.vtdsim.emu.util;
