package io.vtdsim.harness.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's answers to QEMU's requests (hw/vfio-user/protocol.h layouts), without QEMU. */
class VfioUserServerTest {
  @TempDir Path tmp;
  private final RecordingListener listener = new RecordingListener();
  private VfioUserServer server;

  @BeforeEach
  void open() throws Exception {
    server = new VfioUserServer("nic", tmp.resolve("vfu.sock"), listener);
  }

  @AfterEach
  void close() {
    server.close();
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private VfioUserMessage ask(int command, int flags, byte[] payload) {
    return server.handle(new VfioUserMessage(7, command, flags, 0, payload));
  }

  private VfioUserMessage configWrite(int offset, int count, long value) {
    ByteBuffer b = le(16 + count).putLong(offset).putInt(VfioUserServer.CONFIG_REGION).putInt(count);
    for (int i = 0; i < count; i++) b.put((byte) (value >>> (8 * i)));
    return ask(VfioUserMessage.REGION_WRITE, 0, b.array());
  }

  private long configRead(int offset, int count) {
    VfioUserMessage r = ask(VfioUserMessage.REGION_READ, 0,
        le(16).putLong(offset).putInt(VfioUserServer.CONFIG_REGION).putInt(count).array());
    assertThat(r.isError()).isFalse();
    ByteBuffer p = r.body();
    long v = 0;
    for (int i = count - 1; i >= 0; i--) v = v << 8 | (p.get(16 + i) & 0xFF);
    return v;
  }

  @Test
  void theVersionReplyIsNeverLargerThanTheRequest() {
    byte[] big = le(4 + 200).putShort((short) 0).putShort((short) 0).array();
    VfioUserMessage r = ask(VfioUserMessage.VERSION, 0, big);
    assertThat(r.size()).isLessThanOrEqualTo(16 + big.length);
    assertThat(new String(r.payload(), 4, r.payload().length - 5)).isEqualTo(VfioUserServer.CAPABILITIES);
    byte[] small = new byte[4 + 8];
    VfioUserMessage s = ask(VfioUserMessage.VERSION, 0, small);
    assertThat(new String(s.payload(), 4, s.payload().length - 4)).isEqualTo("{}\0");
  }

  @Test
  void deviceAndRegionInfoDescribeAPciFunctionWithConfigAndBar0() {
    VfioUserMessage info = ask(VfioUserMessage.DEVICE_GET_INFO, 0, new byte[16]);
    assertThat(info.body().getInt(4)).isEqualTo(0x3); // VFIO_DEVICE_FLAGS_RESET | _PCI
    assertThat(info.body().getInt(8)).isEqualTo(9);
    assertThat(info.body().getInt(12)).isEqualTo(5);
    VfioUserMessage cfg = ask(VfioUserMessage.DEVICE_GET_REGION_INFO, 0, le(32).putInt(32).putInt(0).putInt(7).array());
    assertThat(cfg.body().getLong(16)).isEqualTo(256);
    assertThat(cfg.size()).isEqualTo(16 + 32);
    VfioUserMessage bar1 = ask(VfioUserMessage.DEVICE_GET_REGION_INFO, 0, le(32).putInt(32).putInt(0).putInt(1).array());
    assertThat(bar1.body().getLong(16)).as("absent BAR").isZero();
    VfioUserMessage err = ask(VfioUserMessage.DEVICE_GET_IRQ_INFO, 0, le(16).putInt(16).putInt(0).putInt(3).array());
    assertThat(err.isError()).isTrue();
    assertThat(err.error()).isEqualTo(95); // ENOTSUP
  }

  @Test
  void configSpaceHasReadOnlyIdsAWritableCommandAndBarSizing() {
    assertThat(configRead(0, 4)).isEqualTo(0xBEEF1234L);
    configWrite(0, 4, 0);
    assertThat(configRead(0, 4)).as("IDs are read-only").isEqualTo(0xBEEF1234L);
    configWrite(4, 2, 0xFFFF);
    assertThat(configRead(4, 2)).as("command: IO, MEM, BME, PERR, SERR, INTx disable").isEqualTo(0x0547);
    configWrite(0x10, 4, 0xFFFF_FFFFL);
    assertThat(configRead(0x10, 4)).as("BAR0 sizing: 4 KiB, 32-bit memory").isEqualTo(0xFFFF_F000L);
    configWrite(0x14, 4, 0xFFFF_FFFFL);
    assertThat(configRead(0x14, 4)).as("BAR1 absent").isZero();
    configWrite(0x30, 4, 0xFFFF_F800L);
    assertThat(configRead(0x30, 4)).as("no expansion ROM").isZero();
    assertThat(ask(VfioUserMessage.DEVICE_RESET, 0, new byte[0]).isError()).isFalse();
    assertThat(configRead(4, 2)).isZero();
    assertThat(configRead(0x10, 4)).isZero();
  }

  @Test
  void aPostedWriteGetsNoReplyAndABadRegionIsEinval() {
    ByteBuffer b = le(20).putLong(0x8).putInt(0).putInt(4).putInt(0x1234);
    assertThat(ask(VfioUserMessage.REGION_WRITE, VfioUserMessage.NO_REPLY, b.array())).isNull();
    VfioUserMessage r = ask(VfioUserMessage.REGION_READ, 0, le(16).putLong(0x8).putInt(0).putInt(4).array());
    assertThat(r.body().getInt(16)).isEqualTo(0x1234);
    VfioUserMessage bad = ask(VfioUserMessage.REGION_READ, 0, le(16).putLong(0xFFC).putInt(0).putInt(8).array());
    assertThat(bad.isError()).isTrue();
    assertThat(bad.error()).isEqualTo(22);
    VfioUserMessage ok = ask(VfioUserMessage.REGION_WRITE, 0, b.array());
    assertThat(ok.size()).as("offset, region, count: no data").isEqualTo(16 + 16);
  }

  private VfioUserMessage map(long iova, long offset, long size) {
    return ask(VfioUserMessage.DMA_MAP, 0, le(32).putInt(32).putInt(3).putLong(offset).putLong(iova).putLong(size).array());
  }

  @Test
  void unmapRemovesEveryMappingInsideItsRange() {
    map(0x1000, 0x300000, 0x1000);
    map(0x2000, 0x301000, 0x1000);
    map(0x200000, 0x800000, 0x200000);
    assertThat(server.mappings()).containsOnlyKeys(0x1000L, 0x2000L, 0x200000L);
    VfioUserMessage r = ask(VfioUserMessage.DMA_UNMAP, 0, le(24).putInt(24).putInt(0).putLong(0).putLong(0x100000).array());
    assertThat(r.isError()).isFalse();
    assertThat(r.size()).as("the 24 bytes echoed").isEqualTo(16 + 24);
    assertThat(server.mappings()).containsOnlyKeys(0x200000L);
    assertThat(listener.since(0)).last().isEqualTo(RecordingListener.Dma.unmap("nic", 0, 0x100000));
  }

  @Test
  void aListenerErrnoBecomesTheErrorReplyAndNoMapping() {
    listener.mapErrno = 17; // EEXIST
    VfioUserMessage r = map(0x1000, 0x300000, 0x1000);
    assertThat(r.isError()).isTrue();
    assertThat(r.error()).isEqualTo(17);
    assertThat(r.size()).isEqualTo(16);
    assertThat(server.mappings()).isEmpty();
  }
}
