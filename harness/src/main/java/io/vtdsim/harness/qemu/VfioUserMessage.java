package io.vtdsim.harness.qemu;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One vfio-user message (docs/interop/vfio-user.rst, hw/vfio-user/protocol.h): a 16-byte
 * little-endian header — {@code u16 msg_id, u16 command, u32 size (header included), u32 flags,
 * u32 error} — and a payload. A reply copies the request's id and command.
 *
 * <p>Framing relies only on {@code size}: QEMU attaches file descriptors (SCM_RIGHTS) to some
 * messages (DMA_MAP of fd-backed RAM), which a JDK socket can not receive; the kernel drops them and
 * the byte stream is unchanged, so reading exactly {@code size} bytes keeps every message boundary.
 */
record VfioUserMessage(int msgId, int command, int flags, int error, byte[] payload) {
  static final int HEADER_SIZE = 16;
  /** Largest message accepted: a 1 MiB data transfer (our max_data_xfer_size) and its header fields. */
  static final int MAX_SIZE = (1 << 20) + 4096;

  // commands (hw/vfio-user/protocol.h enum vfio_user_command)
  static final int VERSION = 1;
  static final int DMA_MAP = 2;
  static final int DMA_UNMAP = 3;
  static final int DEVICE_GET_INFO = 4;
  static final int DEVICE_GET_REGION_INFO = 5;
  static final int DEVICE_GET_REGION_IO_FDS = 6;
  static final int DEVICE_GET_IRQ_INFO = 7;
  static final int DEVICE_SET_IRQS = 8;
  static final int REGION_READ = 9;
  static final int REGION_WRITE = 10;
  static final int DMA_READ = 11;
  static final int DMA_WRITE = 12;
  static final int DEVICE_RESET = 13;
  static final int DIRTY_PAGES = 14;
  static final int REGION_WRITE_MULTI = 15;

  // header flags
  static final int TYPE_MASK = 0xF;
  static final int TYPE_REQUEST = 0;
  static final int TYPE_REPLY = 1;
  static final int NO_REPLY = 0x10;
  static final int ERROR = 0x20;

  private static final String[] NAMES = {"CMD0", "VERSION", "DMA_MAP", "DMA_UNMAP", "DEVICE_GET_INFO",
      "DEVICE_GET_REGION_INFO", "DEVICE_GET_REGION_IO_FDS", "DEVICE_GET_IRQ_INFO", "DEVICE_SET_IRQS", "REGION_READ",
      "REGION_WRITE", "DMA_READ", "DMA_WRITE", "DEVICE_RESET", "DIRTY_PAGES", "REGION_WRITE_MULTI"};

  VfioUserMessage {
    payload = payload == null ? new byte[0] : payload;
  }

  static VfioUserMessage request(int msgId, int command, byte[] payload) {
    return new VfioUserMessage(msgId, command, TYPE_REQUEST, 0, payload);
  }

  /** The reply to this request carrying {@code payload}. */
  VfioUserMessage reply(byte[] payload) {
    return new VfioUserMessage(msgId, command, TYPE_REPLY, 0, payload);
  }

  /** The error reply to this request: header only, ERROR flag, {@code errno}. */
  VfioUserMessage errorReply(int errno) {
    return new VfioUserMessage(msgId, command, TYPE_REPLY | ERROR, errno, new byte[0]);
  }

  boolean isReply() {
    return (flags & TYPE_MASK) == TYPE_REPLY;
  }

  boolean noReply() {
    return (flags & NO_REPLY) != 0;
  }

  boolean isError() {
    return (flags & ERROR) != 0;
  }

  int size() {
    return HEADER_SIZE + payload.length;
  }

  String commandName() {
    return commandName(command);
  }

  static String commandName(int command) {
    return command >= 0 && command < NAMES.length ? NAMES[command] : "CMD" + command;
  }

  /** The payload as a little-endian buffer. */
  ByteBuffer body() {
    return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
  }

  ByteBuffer encode() {
    ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) msgId).putShort((short) command).putInt(size()).putInt(flags).putInt(error).put(payload);
    return b.flip();
  }

  void writeTo(WritableByteChannel ch) throws IOException {
    ByteBuffer b = encode();
    while (b.hasRemaining()) ch.write(b);
  }

  /**
   * Reads exactly one message; {@link EOFException} at a clean end of stream or inside a message,
   * {@link IOException} for a size field that can not be a message (the stream is then unusable).
   */
  static VfioUserMessage readFrom(ReadableByteChannel ch) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, h);
    h.flip();
    int id = h.getShort() & 0xFFFF;
    int cmd = h.getShort() & 0xFFFF;
    long size = h.getInt() & 0xFFFF_FFFFL;
    int flags = h.getInt();
    int error = h.getInt();
    if (size < HEADER_SIZE || size > MAX_SIZE) {
      throw new IOException("vfio-user message " + commandName(cmd) + " id " + id + " has an impossible size " + size);
    }
    ByteBuffer p = ByteBuffer.allocate((int) size - HEADER_SIZE);
    readFully(ch, p);
    return new VfioUserMessage(id, cmd, flags, error, p.array());
  }

  private static void readFully(ReadableByteChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) throw new EOFException(b.position() == 0 ? "end of stream" : "end of stream inside a message");
    }
  }

  @Override
  public String toString() {
    return commandName() + (isReply() ? " reply" : "") + " id=" + msgId + " size=" + size()
        + (isError() ? " errno=" + error : "") + (noReply() ? " no-reply" : "");
  }
}
