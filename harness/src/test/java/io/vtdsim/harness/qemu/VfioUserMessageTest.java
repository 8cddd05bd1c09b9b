package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The vfio-user header layout (docs/interop/vfio-user.rst "Header") and framing by the size field alone. */
class VfioUserMessageTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void theHeaderIsIdCommandSizeFlagsErrorLittleEndian() {
    VfioUserMessage m = new VfioUserMessage(0x2d, VfioUserMessage.DMA_UNMAP, VfioUserMessage.TYPE_REPLY, 0, new byte[] {1, 2});
    assertThat(HEX.formatHex(m.encode().array())).isEqualTo("2d00" + "0300" + "12000000" + "01000000" + "00000000" + "0102");
    VfioUserMessage e = m.errorReply(19);
    assertThat(HEX.formatHex(e.encode().array())).isEqualTo("2d00" + "0300" + "10000000" + "21000000" + "13000000");
  }

  @Test
  void messagesSplitAnywhereAcrossReadsKeepTheirBoundaries() throws IOException {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    VfioUserMessage a = VfioUserMessage.request(1, VfioUserMessage.DMA_MAP, new byte[32]);
    VfioUserMessage b = VfioUserMessage.request(2, VfioUserMessage.DEVICE_RESET, new byte[0]);
    VfioUserMessage c = new VfioUserMessage(3, VfioUserMessage.REGION_WRITE, VfioUserMessage.NO_REPLY, 0, new byte[20]);
    for (VfioUserMessage m : new VfioUserMessage[] {a, b, c}) stream.write(m.encode().array());
    byte[] all = stream.toByteArray();
    for (int chunk = 1; chunk <= 7; chunk++) {
      ReadableByteChannel ch = trickle(all, chunk);
      assertThat(VfioUserMessage.readFrom(ch)).usingRecursiveComparison().isEqualTo(a);
      assertThat(VfioUserMessage.readFrom(ch)).usingRecursiveComparison().isEqualTo(b);
      VfioUserMessage got = VfioUserMessage.readFrom(ch);
      assertThat(got.noReply()).isTrue();
      assertThat(got.payload()).hasSize(20);
      assertThatThrownBy(() -> VfioUserMessage.readFrom(ch)).isInstanceOf(EOFException.class).hasMessage("end of stream");
    }
  }

  @Test
  void aStreamEndingInsideAMessageOrAnImpossibleSizeIsAnError() {
    byte[] m = VfioUserMessage.request(1, VfioUserMessage.DMA_MAP, new byte[32]).encode().array();
    assertThatThrownBy(() -> VfioUserMessage.readFrom(trickle(java.util.Arrays.copyOf(m, 30), 4)))
        .isInstanceOf(EOFException.class).hasMessage("end of stream inside a message");
    byte[] small = HEX.parseHex("0100" + "0200" + "0f000000" + "00000000" + "00000000");
    assertThatThrownBy(() -> VfioUserMessage.readFrom(trickle(small, 16)))
        .isInstanceOf(IOException.class).hasMessageContaining("impossible size 15");
  }

  /** A channel that returns at most {@code chunk} bytes per read. */
  private static ReadableByteChannel trickle(byte[] data, int chunk) {
    ReadableByteChannel in = Channels.newChannel(new java.io.ByteArrayInputStream(data));
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        ByteBuffer limited = ByteBuffer.allocate(Math.min(chunk, dst.remaining()));
        int n = in.read(limited);
        if (n > 0) dst.put(limited.flip());
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
  }
}
