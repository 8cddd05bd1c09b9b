package io.vtdsim.emu.platform;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Guest RAM in a file mapped shared (file offset = GPA), so a second process mapping the same file
 * — real QEMU with {@code memory-backend-file,share=on} — and this JVM see one memory. Accesses are
 * under one lock, which also orders them with the MMIO (socket) traffic to that process.
 */
final class MappedFileStore implements PageStore {
  private static final int CHUNK_SHIFT = 30; // 1 GiB per mapping (a MappedByteBuffer holds < 2 GiB)
  private static final long CHUNK = 1L << CHUNK_SHIFT;
  private final MappedByteBuffer[] chunks;

  private MappedFileStore(MappedByteBuffer[] chunks) {
    this.chunks = chunks;
  }

  static MappedFileStore open(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      if (ch.size() != size) ch.truncate(Math.min(ch.size(), size)).write(java.nio.ByteBuffer.allocate(1), size - 1);
      int n = (int) ((size + CHUNK - 1) >>> CHUNK_SHIFT);
      MappedByteBuffer[] chunks = new MappedByteBuffer[n];
      for (int i = 0; i < n; i++) {
        long base = (long) i << CHUNK_SHIFT;
        chunks[i] = ch.map(FileChannel.MapMode.READ_WRITE, base, Math.min(CHUNK, size - base));
        chunks[i].order(ByteOrder.LITTLE_ENDIAN);
      }
      return new MappedFileStore(chunks);
    }
  }

  @Override
  public synchronized long read(long gpa, int size) {
    MappedByteBuffer b = chunks[(int) (gpa >>> CHUNK_SHIFT)];
    int o = (int) (gpa & (CHUNK - 1));
    if (o + size > b.capacity()) return slowRead(gpa, size);
    return switch (size) {
      case 1 -> b.get(o) & 0xFFL;
      case 2 -> b.getShort(o) & 0xFFFFL;
      case 4 -> b.getInt(o) & 0xFFFF_FFFFL;
      case 8 -> b.getLong(o);
      default -> slowRead(gpa, size);
    };
  }

  @Override
  public synchronized void write(long gpa, int size, long value) {
    MappedByteBuffer b = chunks[(int) (gpa >>> CHUNK_SHIFT)];
    int o = (int) (gpa & (CHUNK - 1));
    if (o + size > b.capacity()) {
      for (int i = 0; i < size; i++) put(gpa + i, (byte) (value >>> (8 * i)));
      return;
    }
    switch (size) {
      case 1 -> b.put(o, (byte) value);
      case 2 -> b.putShort(o, (short) value);
      case 4 -> b.putInt(o, (int) value);
      case 8 -> b.putLong(o, value);
      default -> {
        for (int i = 0; i < size; i++) put(gpa + i, (byte) (value >>> (8 * i)));
      }
    }
  }

  @Override
  public synchronized void copyOut(long gpa, byte[] dst, int off, int len) {
    for (int i = 0; i < len; i++) dst[off + i] = chunks[(int) ((gpa + i) >>> CHUNK_SHIFT)].get((int) ((gpa + i) & (CHUNK - 1)));
  }

  @Override
  public synchronized void copyIn(long gpa, byte[] src, int off, int len) {
    for (int i = 0; i < len; i++) put(gpa + i, src[off + i]);
  }

  @Override
  public synchronized void zero(long gpa, long len) {
    for (long i = 0; i < len; i++) put(gpa + i, (byte) 0);
  }

  @Override
  public int allocatedPages() {
    return -1;
  }

  private long slowRead(long gpa, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) v = (v << 8) | (chunks[(int) ((gpa + i) >>> CHUNK_SHIFT)].get((int) ((gpa + i) & (CHUNK - 1))) & 0xFF);
    return v;
  }

  private void put(long gpa, byte v) {
    chunks[(int) (gpa >>> CHUNK_SHIFT)].put((int) (gpa & (CHUNK - 1)), v);
  }
}
