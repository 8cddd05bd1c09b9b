package io.vtdsim.emu.platform;

import io.vtdsim.emu.spec.Page;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest-physical memory: 64-bit addresses, little-endian, sparse (a 4 KiB page is allocated on its
 * first write; RAM that was never written reads as zero), made of {@link RamRegion}s.
 *
 * <p>Two access styles. The {@code read*}/{@code write*} methods are for guest software (the driver)
 * and the harness: an access outside RAM is a programming error and throws
 * {@link GuestMemoryException}. The {@code try*} methods and {@link #isRam} are for the hardware side
 * (table walks, status writes, DMA): an access outside RAM is reported as a failed access, never
 * thrown, so a misbehaving guest can not crash the emulator.
 *
 * <p>Thread-safe: every naturally aligned access of 2, 4 or 8 bytes is atomic with respect to the
 * others, and so is each aligned 8-byte word of an aligned copy; accesses take no lock (the sparse
 * store locks only to allocate or release a page). The bytes live in a {@link PageStore}: sparse
 * heap pages by default, or a shared file mapping
 * ({@link #mappedFile}) that another process (real QEMU) reads and writes too.
 */
public final class GuestMemory {
  public static final int PAGE_SIZE = Page.SIZE;
  public static final int PAGE_SHIFT = Page.SHIFT;
  /** Start of the 32-bit PCI hole in the q35-like layout. */
  public static final long Q35_LOW_LIMIT = 0x8000_0000L;
  /** Start of RAM relocated above 4 GiB in the q35-like layout. */
  public static final long FOUR_GIB = 0x1_0000_0000L;

  private final List<RamRegion> regions;
  /** The regions again, as an array the access path scans without an iterator. */
  private final RamRegion[] regionArray;
  private final PageStore store;

  public GuestMemory(List<RamRegion> regions) {
    this(regions, new SparsePageStore());
  }

  private GuestMemory(List<RamRegion> regions, PageStore store) {
    if (regions == null || regions.isEmpty()) throw new IllegalArgumentException("at least one RAM region");
    List<RamRegion> sorted = new ArrayList<>(regions);
    sorted.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).base() < sorted.get(i - 1).end()) {
        throw new IllegalArgumentException("RAM regions overlap: " + sorted.get(i - 1) + " and " + sorted.get(i));
      }
    }
    this.regions = List.copyOf(sorted);
    this.regionArray = sorted.toArray(new RamRegion[0]);
    this.store = store;
  }

  /** One RAM region from GPA 0. */
  public static GuestMemory flat(long size) {
    return new GuestMemory(List.of(new RamRegion(0, size)));
  }

  /**
   * {@code size} bytes of RAM in the {@link #q35} layout backed by {@code file} (created or resized to
   * {@code size}), mapped shared: another process mapping the same file — QEMU's
   * {@code memory-backend-file,share=on} on a q35 machine with {@code max-ram-below-4g=2G} — sees
   * every write, and this memory sees its writes. File offset = GPA below 2 GiB; RAM above 4 GiB
   * continues the file at offset 2 GiB, as QEMU's "ram-above-4g" alias of the one backend does
   * (hw/i386/pc.c, pc_memory_init). {@link #gpaOfFileOffset} converts a file offset back.
   */
  public static GuestMemory mappedFile(java.nio.file.Path file, long size) throws java.io.IOException {
    if (size <= 0 || (size & (PAGE_SIZE - 1)) != 0 || size > Long.MAX_VALUE - FOUR_GIB) {
      throw new IllegalArgumentException("a mapped guest RAM must be a positive multiple of 4 KiB: " + size);
    }
    PageStore file0 = MappedFileStore.open(file, size);
    if (size <= Q35_LOW_LIMIT) return new GuestMemory(List.of(new RamRegion(0, size)), file0);
    return new GuestMemory(q35(size).regions(), new RelocatedStore(file0));
  }

  /** The GPA of the byte at file offset {@code offset} in the {@link #mappedFile} layout of this RAM (-1 outside it). */
  public long gpaOfFileOffset(long offset) {
    if (offset < 0 || offset >= ramSize()) return -1;
    return regionArray.length > 1 && offset >= Q35_LOW_LIMIT ? offset - Q35_LOW_LIMIT + FOUR_GIB : offset;
  }

  /**
   * A q35-like layout: RAM up to 2 GiB stays below the 32-bit PCI hole; the rest is relocated above 4
   * GiB (as QEMU's q35 does when RAM exceeds the low-memory limit).
   */
  public static GuestMemory q35(long size) {
    if (size <= Q35_LOW_LIMIT) return flat(size);
    return new GuestMemory(List.of(new RamRegion(0, Q35_LOW_LIMIT), new RamRegion(FOUR_GIB, size - Q35_LOW_LIMIT)));
  }

  public List<RamRegion> regions() {
    return regions;
  }

  public long ramSize() {
    long s = 0;
    for (RamRegion r : regions) s += r.size();
    return s;
  }

  /** True when [gpa, gpa+len) lies entirely in one RAM region. */
  public boolean isRam(long gpa, long len) {
    for (RamRegion r : regionArray) {
      if (r.contains(gpa, len)) return true;
    }
    return false;
  }

  /** Number of 4 KiB pages that have been written at least once (backing store in use); -1 for a mapped file. */
  public int allocatedPages() {
    return store.allocatedPages();
  }

  // ---- guest-software accesses (throw outside RAM) ----

  public long read64(long gpa) {
    return readLe(gpa, 8);
  }

  public int read32(long gpa) {
    return (int) readLe(gpa, 4);
  }

  public short read16(long gpa) {
    return (short) readLe(gpa, 2);
  }

  public byte read8(long gpa) {
    return (byte) readLe(gpa, 1);
  }

  public void write64(long gpa, long value) {
    writeLe(gpa, 8, value);
  }

  public void write32(long gpa, int value) {
    writeLe(gpa, 4, value);
  }

  public void write16(long gpa, short value) {
    writeLe(gpa, 2, value);
  }

  public void write8(long gpa, byte value) {
    writeLe(gpa, 1, value);
  }

  public void read(long gpa, byte[] dst, int off, int len) {
    require(gpa, len);
    copyOut(gpa, dst, off, len);
  }

  public byte[] read(long gpa, int len) {
    byte[] b = new byte[len];
    read(gpa, b, 0, len);
    return b;
  }

  public void write(long gpa, byte[] src, int off, int len) {
    require(gpa, len);
    copyIn(gpa, src, off, len);
  }

  public void write(long gpa, byte[] src) {
    write(gpa, src, 0, src.length);
  }

  /** Zero-fills [gpa, gpa+len) (a sparse store releases whole pages). */
  public void zero(long gpa, long len) {
    require(gpa, len);
    store.zero(gpa, len);
  }

  // ---- hardware-side accesses (never throw for guest-controlled addresses) ----

  /** Reads 8 bytes into {@code out[0]}; false (nothing read) when not entirely in RAM. */
  public boolean tryRead64(long gpa, long[] out) {
    if (!isRam(gpa, 8)) return false;
    out[0] = readRaw(gpa, 8);
    return true;
  }

  public boolean tryRead(long gpa, byte[] dst, int off, int len) {
    if (!isRam(gpa, len)) return false;
    copyOut(gpa, dst, off, len);
    return true;
  }

  public boolean tryWrite(long gpa, byte[] src, int off, int len) {
    if (!isRam(gpa, len)) return false;
    copyIn(gpa, src, off, len);
    return true;
  }

  public boolean tryWrite32(long gpa, int value) {
    if (!isRam(gpa, 4)) return false;
    writeRaw(gpa, 4, value);
    return true;
  }

  public boolean tryWrite64(long gpa, long value) {
    if (!isRam(gpa, 8)) return false;
    writeRaw(gpa, 8, value);
    return true;
  }

  // ---- internals ----

  private void require(long gpa, long len) {
    if (len < 0 || !isRam(gpa, len)) {
      throw new GuestMemoryException(
          String.format("guest access [0x%x, +0x%x) is outside RAM %s", gpa, len, regions));
    }
  }

  private long readLe(long gpa, int size) {
    require(gpa, size);
    return readRaw(gpa, size);
  }

  private void writeLe(long gpa, int size, long value) {
    require(gpa, size);
    writeRaw(gpa, size, value);
  }

  private long readRaw(long gpa, int size) {
    return store.read(gpa, size);
  }

  private void writeRaw(long gpa, int size, long value) {
    store.write(gpa, size, value);
  }

  private void copyOut(long gpa, byte[] dst, int off, int len) {
    store.copyOut(gpa, dst, off, len);
  }

  private void copyIn(long gpa, byte[] src, int off, int len) {
    store.copyIn(gpa, src, off, len);
  }
}
