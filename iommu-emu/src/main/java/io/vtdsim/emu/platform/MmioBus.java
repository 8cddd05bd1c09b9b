package io.vtdsim.emu.platform;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPU's MMIO path to device registers. Accepts only 4- and 8-byte, naturally aligned accesses:
 * others are rejected as QEMU's memory core rejects accesses outside a region's valid sizes (the
 * device is not called; a read returns all-ones). Accesses to no device behave the same. Every access
 * is an event ({@code mmio.read}, {@code mmio.write}, {@code mmio.rejected}).
 */
public final class MmioBus {
  public static final String EV_READ = EventKind.MMIO_READ.label();
  public static final String EV_WRITE = EventKind.MMIO_WRITE.label();
  public static final String EV_REJECTED = EventKind.MMIO_REJECTED.label();

  private record Mapping(long base, MmioDevice device) {}

  private final List<Mapping> mappings = new ArrayList<>();
  /** The mappings again, republished whole by {@link #map}: an access finds its window without a lock. */
  private volatile Mapping[] windows = new Mapping[0];
  private final EventLog log;

  public MmioBus(EventLog log) {
    this.log = log;
  }

  public synchronized void map(long base, MmioDevice device) {
    for (Mapping m : mappings) {
      if (base < m.base + m.device.windowSize() && m.base < base + device.windowSize()) {
        throw new IllegalArgumentException(
            String.format("MMIO window of %s at 0x%x overlaps %s", device.name(), base, m.device.name()));
      }
    }
    mappings.add(new Mapping(base, device));
    windows = mappings.toArray(new Mapping[0]);
  }

  public long read(long addr, int size) {
    Mapping m = find(addr, size);
    if (m == null || !validSize(addr, size)) {
      log.emit("bus", new EventBody.MmioRejected(false, addr, size, 0));
      return size == 8 ? -1L : 0xFFFF_FFFFL;
    }
    long v = m.device.read((int) (addr - m.base), size);
    if (size == 4) v &= 0xFFFF_FFFFL;
    if (log.building()) log.emit(m.device.name(), new EventBody.MmioRead((int) (addr - m.base), size, v));
    else log.intake().mmioRead();
    return v;
  }

  public void write(long addr, int size, long value) {
    Mapping m = find(addr, size);
    if (m == null || !validSize(addr, size)) {
      log.emit("bus", new EventBody.MmioRejected(true, addr, size, value));
      return;
    }
    if (size == 4) value &= 0xFFFF_FFFFL;
    // logged before the device acts, so the event order reads as cause then effects
    if (log.building()) log.emit(m.device.name(), new EventBody.MmioWrite((int) (addr - m.base), size, value));
    else log.intake().mmioWrite();
    m.device.write((int) (addr - m.base), size, value);
  }

  public int read32(long addr) {
    return (int) read(addr, 4);
  }

  public long read64(long addr) {
    return read(addr, 8);
  }

  public void write32(long addr, int value) {
    write(addr, 4, value & 0xFFFF_FFFFL);
  }

  public void write64(long addr, long value) {
    write(addr, 8, value);
  }

  private static boolean validSize(long addr, int size) {
    return (size == 4 || size == 8) && (addr & (size - 1)) == 0;
  }

  private Mapping find(long addr, int size) {
    for (Mapping m : windows) { // an array: no iterator, no lock per access
      if (addr >= m.base && addr + Math.max(size, 1) <= m.base + m.device.windowSize()) return m;
    }
    return null;
  }
}
