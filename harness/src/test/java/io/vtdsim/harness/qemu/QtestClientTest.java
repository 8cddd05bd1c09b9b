package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qtest line protocol against a scripted peer (QEMU system/qtest.c replies), without QEMU. */
class QtestClientTest {
  @TempDir Path tmp;
  private SocketChannel peer;
  private QtestClient client;

  @BeforeEach
  void connect() throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(tmp.resolve("q.sock")));
      SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(tmp.resolve("q.sock")));
      peer = server.accept();
      client = new QtestClient(c, Duration.ofMillis(300), new QtestClient.Failures() {
        @Override
        public RuntimeException timedOut(String command) {
          return new QemuTimeoutException("timed out: " + command);
        }

        @Override
        public RuntimeException lost(String command, IOException cause) {
          return new QemuCrashedException("lost: " + command + ": " + cause.getMessage(), -1);
        }
      });
    }
  }

  @AfterEach
  void close() throws IOException {
    client.close();
    peer.close();
  }

  private void answer(String text) throws IOException {
    peer.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
  }

  private String received() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(256);
    peer.read(b);
    return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
  }

  @Test
  void interruptLinesBeforeTheReplyAreSkipped() throws IOException {
    answer("IRQ raise 16\nIRQ lower 16\nOK 0x00000000deadbeef\n");
    assertThat(client.readl(0xfed90000L)).isEqualTo(0xdeadbeefL);
    assertThat(received()).isEqualTo("readl 0xfed90000\n");
  }

  @Test
  void memoryReadsAreHexBytesAndWritesSendThem() throws IOException {
    answer("OK 0x0102ff\n");
    assertThat(client.read(0x1000, 3)).containsExactly(1, 2, 0xff);
    assertThat(received()).isEqualTo("read 0x1000 0x3\n");
    answer("OK\n");
    client.write(0x2000, new byte[] {(byte) 0xab, 0});
    assertThat(received()).isEqualTo("write 0x2000 0x2 0xab00\n");
  }

  @Test
  void aFailReplyIsAnErrorButTheConnectionStaysUsable() throws IOException {
    answer("FAIL Unknown command 'nope'\n");
    assertThatThrownBy(() -> client.command("nope")).isInstanceOf(QemuException.class)
        .hasMessage("qtest `nope` answered `FAIL Unknown command 'nope'`");
    answer("OK 12345\n");
    assertThat(client.clockStep(5)).isEqualTo(12345);
  }

  @Test
  void noAnswerIsATimeoutAndTheClientStaysBroken() {
    assertThatThrownBy(() -> client.readq(0)).isInstanceOf(QemuTimeoutException.class).hasMessage("timed out: readq 0x0");
    assertThatThrownBy(() -> client.readq(8)).isInstanceOf(QemuTimeoutException.class).hasMessage("timed out: readq 0x0");
  }

  @Test
  void aClosedPeerIsALostConnection() throws IOException {
    answer("OK 0x1"); // a reply cut short
    peer.close();
    // the write may already fail (broken pipe) or the read end at the cut reply: both are a lost connection
    assertThatThrownBy(() -> client.readl(0)).isInstanceOf(QemuCrashedException.class)
        .hasMessageStartingWith("lost: readl 0x0: ");
  }
}
