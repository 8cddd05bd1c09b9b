package io.vtdsim.emu.platform;

/** Receives message-signalled interrupts (a 32-bit write of {@code data} to {@code address}). */
@FunctionalInterface
public interface MsiSink {
  void deliver(long address, int data);

  /** Drops every message. */
  MsiSink NONE = (a, d) -> {};
}
