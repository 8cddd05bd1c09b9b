package io.vtdsim.emu.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
  @Test
  void unwrittenRamReadsZeroAndAllocatesNothing() {
    GuestMemory m = GuestMemory.flat(1L << 30);
    assertThat(m.read64(0x1234_5000L)).isZero();
    assertThat(m.allocatedPages()).isZero();
    m.write8(0x1234_5000L, (byte) 1);
    assertThat(m.allocatedPages()).isEqualTo(1);
  }

  @Test
  void littleEndianAcrossWidthsAndPages() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    m.write64(0xFFC, 0x1122_3344_5566_7788L); // straddles the first page boundary
    assertThat(m.read32(0xFFC)).isEqualTo(0x5566_7788);
    assertThat(m.read32(0x1000)).isEqualTo(0x1122_3344);
    assertThat(m.read16(0xFFC)).isEqualTo((short) 0x7788);
    assertThat(m.read8(0x1003)).isEqualTo((byte) 0x11);
    assertThat(m.read64(0xFFC)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(m.allocatedPages()).isEqualTo(2);
  }

  @Test
  void bulkAccessAndZero() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    byte[] data = new byte[6000];
    for (int i = 0; i < data.length; i++) data[i] = (byte) i;
    m.write(0x800, data);
    assertThat(m.read(0x800, 6000)).isEqualTo(data);
    m.zero(0x1000, 0x1000);
    assertThat(m.read8(0x1000)).isZero();
    assertThat(m.read8(0xFFF)).isEqualTo(data[0xFFF - 0x800]);
  }

  @Test
  void guestSoftwareAccessOutsideRamThrows() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    assertThatThrownBy(() -> m.read64(1 << 20)).isInstanceOf(GuestMemoryException.class).hasMessageContaining("outside RAM");
    assertThatThrownBy(() -> m.write32((1 << 20) - 2, 1)).isInstanceOf(GuestMemoryException.class);
  }

  @Test
  void hardwareAccessOutsideRamFailsQuietly() {
    GuestMemory m = GuestMemory.flat(1 << 20);
    long[] out = {42};
    assertThat(m.tryRead64(1 << 20, out)).isFalse();
    assertThat(out[0]).isEqualTo(42);
    assertThat(m.tryWrite32(-4L, 1)).isFalse();
    assertThat(m.tryWrite32(0x10, 7)).isTrue();
    assertThat(m.read32(0x10)).isEqualTo(7);
    assertThat(m.tryRead(Long.MAX_VALUE - 2, new byte[8], 0, 8)).isFalse(); // no overflow wrap
  }

  @Test
  void q35LayoutSplitsAroundThePciHole() {
    GuestMemory m = GuestMemory.q35(4L << 30);
    assertThat(m.regions()).containsExactly(new RamRegion(0, 0x8000_0000L), new RamRegion(1L << 32, 0x8000_0000L));
    assertThat(m.isRam(0x8000_0000L, 1)).isFalse();
    assertThat(m.isRam(1L << 32, 8)).isTrue();
    assertThat(m.ramSize()).isEqualTo(4L << 30);
    assertThat(GuestMemory.q35(1L << 30).regions()).containsExactly(new RamRegion(0, 1L << 30));
  }

  @Test
  void overlappingRegionsRejected() {
    assertThatThrownBy(() -> new GuestMemory(List.of(new RamRegion(0, 0x2000), new RamRegion(0x1000, 0x1000))))
        .hasMessageContaining("overlap");
  }

  @Test
  void mappedFileIsSharedAtFileOffsetEqualToGpa(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("ram");
    GuestMemory m = GuestMemory.mappedFile(f, 1 << 20);
    m.write64(0x2008, 0x1122334455667788L);
    m.write(0x2ffe, new byte[] {1, 2, 3, 4});
    m.zero(0x2ffe, 1);
    // what another process sees in the file, at offset = GPA, little-endian
    try (var ch = java.nio.channels.FileChannel.open(f)) {
      assertThat(ch.size()).isEqualTo(1 << 20);
      var b = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(b, 0x2008);
      assertThat(b.getLong(0)).isEqualTo(0x1122334455667788L);
      b.clear();
      ch.read(b, 0x2ffe);
      assertThat(java.util.Arrays.copyOf(b.array(), 4)).containsExactly(0, 2, 3, 4);
    }
    // and a write by the other side is seen here
    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x2a, 0, 0, 0}), 0x5000);
    }
    assertThat(m.read32(0x5000)).isEqualTo(0x2a);
    assertThat(m.read16(0x2fff)).isEqualTo((short) 0x0302);
    assertThatThrownBy(() -> m.read64(1 << 20)).isInstanceOf(GuestMemoryException.class);
  }

  /** RAM beyond 2 GiB: GPA 4 GiB is file offset 2 GiB (QEMU's ram-above-4g alias); the PCI hole is no RAM. */
  @Test
  void mappedFileAbove2GibContinuesTheFileAt2GibForGpa4Gib(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("ram");
    GuestMemory m = GuestMemory.mappedFile(f, 3L << 30); // sparse: nothing is allocated
    assertThat(m.regions()).containsExactly(new RamRegion(0, 0x8000_0000L), new RamRegion(0x1_0000_0000L, 0x4000_0000L));
    m.write64(0x1_0000_0008L, 0x0102030405060708L);
    m.write64(0x7FFF_FFF8L, -1L);
    try (var ch = java.nio.channels.FileChannel.open(f)) {
      assertThat(ch.size()).isEqualTo(3L << 30);
      var b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(b, 0x8000_0008L);
      assertThat(b.getLong(0)).isEqualTo(0x0102030405060708L);
      b.clear();
      ch.read(b, 0x7FFF_FFF8L);
      assertThat(b.getLong(0)).isEqualTo(-1L);
    }
    assertThat(m.gpaOfFileOffset(0x8000_0000L)).isEqualTo(0x1_0000_0000L);
    assertThat(m.gpaOfFileOffset(0x7FFF_F000L)).isEqualTo(0x7FFF_F000L);
    assertThat(m.gpaOfFileOffset(3L << 30)).isEqualTo(-1);
    assertThatThrownBy(() -> m.read64(0x9000_0000L)).isInstanceOf(GuestMemoryException.class);
    assertThatThrownBy(() -> m.read64(0x1_4000_0000L)).isInstanceOf(GuestMemoryException.class);
    // at most 2 GiB: one region, offset = GPA
    GuestMemory small = GuestMemory.mappedFile(dir.resolve("small"), 1 << 20);
    assertThat(small.gpaOfFileOffset(0x1000)).isEqualTo(0x1000);
    assertThat(small.gpaOfFileOffset(1 << 20)).isEqualTo(-1);
  }
}
