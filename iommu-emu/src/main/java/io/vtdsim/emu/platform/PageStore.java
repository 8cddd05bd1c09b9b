package io.vtdsim.emu.platform;

/**
 * Where {@link GuestMemory}'s bytes live. Addresses are already checked against the RAM regions;
 * values are little-endian. Naturally aligned accesses of 2, 4 or 8 bytes are atomic.
 */
sealed interface PageStore permits SparsePageStore, MappedFileStore, RelocatedStore {
  /** {@code size} (1, 2, 4 or 8) bytes at {@code gpa}, zero-extended. */
  long read(long gpa, int size);

  void write(long gpa, int size, long value);

  void copyOut(long gpa, byte[] dst, int off, int len);

  void copyIn(long gpa, byte[] src, int off, int len);

  void zero(long gpa, long len);

  /** Pages holding storage (-1 when the store is not sparse). */
  int allocatedPages();
}
