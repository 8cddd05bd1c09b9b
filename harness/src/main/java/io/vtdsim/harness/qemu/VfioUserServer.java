package io.vtdsim.harness.qemu;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The vfio-user server of one assigned device: a PCI function with a config space (region 7) and a
 * small MMIO BAR0 (region 0), no interrupts, that reports QEMU's DMA_MAP/DMA_UNMAP to the session's
 * listener. It implements the subset QEMU 11.1's client (hw/vfio-user/{proxy,device,container,pci}.c)
 * sends, and issues DMA_READ/DMA_WRITE so the device can do DMA through QEMU's vIOMMU.
 *
 * <p>Runs on its own thread: QEMU sends DMA_MAP synchronously inside the guest's IQT write, while
 * the qtest client waits for that write's reply. The socket listens from construction, before QEMU
 * is spawned.
 */
final class VfioUserServer implements AutoCloseable {
  static final int BAR0_SIZE = 0x1000;
  static final int CONFIG_REGION = 7; // VFIO_PCI_CONFIG_REGION_INDEX
  static final int NUM_REGIONS = 9; // BAR0-5, ROM, config, VGA: QEMU requires > VFIO_PCI_CONFIG_REGION_INDEX
  static final int NUM_IRQS = 5; // INTx, MSI, MSI-X, ERR, REQ: QEMU requires > VFIO_PCI_MSIX_IRQ_INDEX
  static final int DEVICE_FLAGS = 0x1 | 0x2; // VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI
  static final int REGION_RW = 0x1 | 0x2; // VFIO_REGION_INFO_FLAG_READ | _WRITE (no MMAP: that needs an fd)
  static final int DMA_FLAG_READ = 0x1;
  static final int DMA_FLAG_WRITE = 0x2;
  static final int UNMAP_ALL = 0x2; // VFIO_DMA_UNMAP_FLAG_ALL
  /** Largest DMA_READ/DMA_WRITE: the max_data_xfer_size both sides advertise. */
  static final int MAX_DATA_XFER = 1 << 20;
  static final int EPERM = 1;
  static final int EIO = 5;
  static final int ENODEV = 19;
  static final int EINVAL = 22;
  static final int ENOTSUP = 95;
  /**
   * Our capabilities (VERSION reply). max_msg_fds=8 as measured against QEMU 11.1: QEMU then attaches
   * the RAM fd to DMA_MAP, which the kernel drops for us (see {@link VfioUserMessage}).
   */
  static final String CAPABILITIES = "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":" + MAX_DATA_XFER
      + ",\"pgsizes\":4096,\"max_dma_maps\":65535}}";

  /** One DMA_MAP QEMU sent and did not unmap. */
  record DmaMapping(long iova, long offset, long size, boolean read, boolean write) {}

  private final String deviceId;
  private final QemuSession.Listener listener;
  private final ServerSocketChannel server;
  private final PciConfigSpace config = new PciConfigSpace(BAR0_SIZE);
  private final byte[] bar0 = new byte[BAR0_SIZE];
  private final NavigableMap<Long, DmaMapping> mappings = new TreeMap<>();
  private final Map<Integer, CompletableFuture<VfioUserMessage>> pending = new ConcurrentHashMap<>();
  private final CountDownLatch connected = new CountDownLatch(1);
  private final Object writeLock = new Object();
  private final Thread thread;
  private volatile SocketChannel channel;
  private volatile Throwable failure;
  private volatile boolean closed;
  private int nextId = 0x8000; // our requests' ids; QEMU counts its own from 0

  VfioUserServer(String deviceId, Path socket, QemuSession.Listener listener) throws IOException {
    this.deviceId = deviceId;
    this.listener = listener;
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket), 1);
    java.nio.ByteBuffer.wrap(bar0).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x5EED_0001); // ID register
    thread = new Thread(this::run, "vfio-user " + deviceId);
    thread.setDaemon(true);
    thread.start();
  }

  String deviceId() {
    return deviceId;
  }

  boolean awaitConnected(long millis) throws InterruptedException {
    return connected.await(millis, TimeUnit.MILLISECONDS);
  }

  boolean isConnected() {
    return channel != null && failure == null && !closed;
  }

  /** Why the connection ended (null while it is up). */
  Throwable failure() {
    return failure;
  }

  /** QEMU's current DMA mappings for this device, by IOVA (a copy). */
  synchronized NavigableMap<Long, DmaMapping> mappings() {
    return new TreeMap<>(mappings);
  }

  // ---- server -> client DMA (VFIO_USER_DMA_READ / DMA_WRITE) ----

  /** DMA_READ through QEMU's vIOMMU. Throws TimeoutException or IOException (connection gone). */
  DmaAccess dmaRead(long iova, int len, Duration timeout) throws IOException, TimeoutException {
    checkLength(len);
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(iova).putLong(len);
    VfioUserMessage r = call(VfioUserMessage.DMA_READ, b.array(), timeout);
    if (r.isError()) return DmaAccess.failure(r.error());
    ByteBuffer p = r.body();
    if (p.remaining() < 16 + len) throw new IOException("DMA_READ reply of " + r.size() + " bytes for " + len + " bytes");
    byte[] data = new byte[len];
    p.position(16);
    p.get(data);
    return DmaAccess.success(data);
  }

  /** DMA_WRITE through QEMU's vIOMMU. */
  DmaAccess dmaWrite(long iova, byte[] data, Duration timeout) throws IOException, TimeoutException {
    checkLength(data.length);
    ByteBuffer b = ByteBuffer.allocate(16 + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(iova).putLong(data.length).put(data);
    VfioUserMessage r = call(VfioUserMessage.DMA_WRITE, b.array(), timeout);
    return r.isError() ? DmaAccess.failure(r.error()) : DmaAccess.success(new byte[0]);
  }

  private static void checkLength(int len) {
    if (len <= 0 || len > MAX_DATA_XFER) {
      throw new IllegalArgumentException("a DMA transfer is 1 byte to 1 MiB (max_data_xfer_size), not " + len);
    }
  }

  private VfioUserMessage call(int command, byte[] payload, Duration timeout) throws IOException, TimeoutException {
    if (Thread.currentThread() == thread) {
      throw new IllegalStateException("DMA from inside a listener callback would wait for this server's own thread");
    }
    SocketChannel ch = channel;
    if (ch == null || failure != null || closed) throw new IOException("vfio-user connection of " + deviceId + " is down", failure);
    int id;
    CompletableFuture<VfioUserMessage> f = new CompletableFuture<>();
    synchronized (this) {
      do {
        id = nextId;
        nextId = nextId == 0xFFFF ? 0x8000 : nextId + 1;
      } while (pending.putIfAbsent(id, f) != null);
    }
    VfioUserMessage req = VfioUserMessage.request(id, command, payload);
    try {
      send(req);
      return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for " + req.commandName());
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      pending.remove(id);
    }
  }

  // ---- the connection ----

  private void run() {
    try {
      SocketChannel ch = server.accept();
      channel = ch;
      server.close(); // one client per device
      connected.countDown();
      event("recv", "CONNECT", "client connected");
      while (true) {
        VfioUserMessage m = VfioUserMessage.readFrom(ch);
        if (m.isReply()) {
          CompletableFuture<VfioUserMessage> f = pending.get(m.msgId());
          event("recv", m.commandName(), describeReply(m));
          if (f != null) f.complete(m);
          continue;
        }
        VfioUserMessage reply = handle(m);
        if (reply != null && !m.noReply()) send(reply);
      }
    } catch (IOException | RuntimeException e) {
      failure = closed || e instanceof ClosedChannelException ? new EOFException("closed") : e;
      String why = e instanceof EOFException ? "connection closed by QEMU" : String.valueOf(e);
      if (!closed) event("recv", "DISCONNECT", why);
      IOException gone = new EOFException("vfio-user connection of " + deviceId + " ended: " + why);
      pending.values().forEach(f -> f.completeExceptionally(gone));
    } finally {
      connected.countDown();
    }
  }

  private void send(VfioUserMessage m) throws IOException {
    synchronized (writeLock) {
      event("send", m.commandName(), m.isReply() ? describeReply(m) : describeRequest(m)); // before QEMU can answer
      m.writeTo(channel);
    }
  }

  private void event(String direction, String command, String text) {
    listener.onMessage(deviceId, direction, command, text);
  }

  /** The reply to a request from QEMU; null for a posted (NO_REPLY) write. Never larger than QEMU's receive buffer. */
  VfioUserMessage handle(VfioUserMessage m) {
    event("recv", m.commandName(), describeRequest(m));
    ByteBuffer p = m.body();
    try {
      switch (m.command()) {
        case VfioUserMessage.VERSION:
          return version(m);
        case VfioUserMessage.DEVICE_GET_INFO:
          if (p.remaining() < 16) return m.errorReply(EINVAL);
          return m.reply(ints(16, DEVICE_FLAGS, NUM_REGIONS, NUM_IRQS)); // struct vfio_device_info
        case VfioUserMessage.DEVICE_GET_REGION_INFO:
          return regionInfo(m, p);
        case VfioUserMessage.DEVICE_GET_IRQ_INFO: {
          if (p.remaining() < 16) return m.errorReply(EINVAL);
          int index = p.getInt(8);
          // no INTx, MSI, MSI-X (count 0); ERR and REQ unsupported, which QEMU accepts (no AER, no SET_IRQS)
          if (index >= 3) return m.errorReply(ENOTSUP);
          return m.reply(ints(16, 0, index, 0)); // struct vfio_irq_info: argsz, flags, index, count
        }
        case VfioUserMessage.DEVICE_SET_IRQS:
          return m.reply(new byte[0]);
        case VfioUserMessage.REGION_READ:
          return regionRead(m, p);
        case VfioUserMessage.REGION_WRITE:
          return regionWrite(m, p);
        case VfioUserMessage.DEVICE_RESET:
          config.reset();
          return m.reply(new byte[0]);
        case VfioUserMessage.DMA_MAP:
          return dmaMap(m, p);
        case VfioUserMessage.DMA_UNMAP:
          return dmaUnmap(m, p);
        default:
          return m.errorReply(ENOTSUP);
      }
    } catch (RuntimeException e) {
      event("send", m.commandName(), "failed: " + e);
      return m.errorReply(EIO);
    }
  }

  private VfioUserMessage version(VfioUserMessage m) {
    if (m.payload().length < 4) return m.errorReply(EINVAL);
    byte[] caps = (CAPABILITIES + "\0").getBytes(StandardCharsets.US_ASCII);
    // the reply must fit the request's size (QEMU's receive buffer); "{}" is the shortest valid JSON
    if (4 + caps.length > m.payload().length) caps = "{}\0".getBytes(StandardCharsets.US_ASCII);
    if (4 + caps.length > m.payload().length) return m.errorReply(EINVAL);
    ByteBuffer b = ByteBuffer.allocate(4 + caps.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) 0).putShort((short) 0).put(caps); // major 0, minor 0
    return m.reply(b.array());
  }

  private VfioUserMessage regionInfo(VfioUserMessage m, ByteBuffer p) {
    if (p.remaining() < 32) return m.errorReply(EINVAL);
    int index = p.getInt(8);
    long size = index == 0 ? BAR0_SIZE : index == CONFIG_REGION ? PciConfigSpace.SIZE : 0;
    int flags = size == 0 ? 0 : REGION_RW;
    ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(32).putInt(flags).putInt(index).putInt(0).putLong(size).putLong(0);
    return m.reply(b.array());
  }

  private VfioUserMessage regionRead(VfioUserMessage m, ByteBuffer p) {
    if (p.remaining() < 16) return m.errorReply(EINVAL);
    long offset = p.getLong(0);
    int region = p.getInt(8);
    long count = p.getInt(12) & 0xFFFF_FFFFL;
    byte[] data;
    if (region == CONFIG_REGION && PciConfigSpace.inRange(offset, count)) {
      data = config.read((int) offset, (int) count);
    } else if (region == 0 && offset >= 0 && count >= 0 && offset + count <= BAR0_SIZE) {
      data = readBar0((int) offset, (int) count);
    } else {
      return m.errorReply(EINVAL);
    }
    // QEMU sizes this reply's buffer as request + count (hw/vfio-user/device.c)
    ByteBuffer b = ByteBuffer.allocate(16 + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(offset).putInt(region).putInt((int) count).put(data);
    return m.reply(b.array());
  }

  private VfioUserMessage regionWrite(VfioUserMessage m, ByteBuffer p) {
    if (p.remaining() < 16) return m.errorReply(EINVAL);
    long offset = p.getLong(0);
    int region = p.getInt(8);
    long count = p.getInt(12) & 0xFFFF_FFFFL;
    if (count != p.remaining() - 16) return m.errorReply(EINVAL);
    byte[] data = new byte[(int) count];
    p.get(16, data);
    if (region == CONFIG_REGION && PciConfigSpace.inRange(offset, count)) {
      config.write((int) offset, data);
    } else if (region == 0 && offset >= 0 && offset + count <= BAR0_SIZE) {
      writeBar0((int) offset, data);
    } else {
      return m.errorReply(EINVAL);
    }
    return m.noReply() ? null : m.reply(java.util.Arrays.copyOf(m.payload(), 16));
  }

  private synchronized byte[] readBar0(int offset, int count) {
    return java.util.Arrays.copyOfRange(bar0, offset, offset + count);
  }

  private synchronized void writeBar0(int offset, byte[] data) {
    for (int i = 0; i < data.length; i++) {
      if (offset + i >= 4) bar0[offset + i] = data[i]; // offset 0..3: read-only ID register
    }
  }

  private VfioUserMessage dmaMap(VfioUserMessage m, ByteBuffer p) {
    if (p.remaining() < 32) return m.errorReply(EINVAL);
    // struct vfio_user_dma_map, read in its wire order (argsz, flags, offset, addr = the IOVA, size); passed on as (iova, offset, size)
    int flags = p.getInt(4);
    long offset = p.getLong(8);
    long iova = p.getLong(16);
    long size = p.getLong(24);
    boolean read = (flags & DMA_FLAG_READ) != 0;
    boolean write = (flags & DMA_FLAG_WRITE) != 0;
    int errno = listener.onDmaMap(deviceId, iova, offset, size, read, write);
    if (errno != 0) return m.errorReply(errno);
    synchronized (this) {
      mappings.put(iova, new DmaMapping(iova, offset, size, read, write));
    }
    return m.reply(new byte[0]);
  }

  private VfioUserMessage dmaUnmap(VfioUserMessage m, ByteBuffer p) {
    if (p.remaining() < 24) return m.errorReply(EINVAL);
    int flags = p.getInt(4);
    long iova = p.getLong(8);
    long size = p.getLong(16);
    int errno = listener.onDmaUnmap(deviceId, iova, size);
    if (errno != 0) return m.errorReply(errno);
    synchronized (this) {
      // QEMU unmaps power-of-two chunks that match no single mapping: remove every mapping inside
      if ((flags & UNMAP_ALL) != 0) {
        mappings.clear();
      } else {
        long end = iova + size;
        if (Long.compareUnsigned(end, iova) <= 0) mappings.tailMap(iova, true).clear();
        else mappings.subMap(iova, true, end, false).clear();
      }
    }
    return m.reply(java.util.Arrays.copyOf(m.payload(), 24)); // echo argsz, flags, address, size
  }

  // ---- texts for events ----

  static String describeRequest(VfioUserMessage m) {
    ByteBuffer p = m.body();
    int n = p.remaining();
    switch (m.command()) {
      case VfioUserMessage.DMA_MAP:
        if (n < 32) break;
        int f = p.getInt(4);
        return String.format("iova=0x%x size=0x%x offset=0x%x prot=%s%s", p.getLong(16), p.getLong(24), p.getLong(8),
            (f & DMA_FLAG_READ) != 0 ? "r" : "-", (f & DMA_FLAG_WRITE) != 0 ? "w" : "-");
      case VfioUserMessage.DMA_UNMAP:
        if (n < 24) break;
        return String.format("iova=0x%x size=0x%x flags=0x%x", p.getLong(8), p.getLong(16), p.getInt(4));
      case VfioUserMessage.REGION_READ:
      case VfioUserMessage.REGION_WRITE:
        if (n < 16) break;
        return String.format("region=%d offset=0x%x count=%d%s", p.getInt(8), p.getLong(0), p.getInt(12),
            m.noReply() ? " posted" : "");
      case VfioUserMessage.DMA_READ:
      case VfioUserMessage.DMA_WRITE:
        if (n < 16) break;
        return String.format("iova=0x%x count=%d", p.getLong(0), p.getLong(8));
      case VfioUserMessage.DEVICE_GET_REGION_INFO:
      case VfioUserMessage.DEVICE_GET_IRQ_INFO:
        if (n < 12) break;
        return "index=" + p.getInt(8);
      case VfioUserMessage.VERSION:
        if (n < 4) break;
        return "caps=" + new String(m.payload(), 4, n - 4, StandardCharsets.US_ASCII).replace("\0", "");
      default:
        break;
    }
    return "size=" + m.size();
  }

  static String describeReply(VfioUserMessage m) {
    return m.isError() ? "error errno=" + m.error() : "ok size=" + m.size();
  }

  /** Little-endian u32s. */
  private static byte[] ints(int... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) b.putInt(x);
    return b.array();
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    SocketChannel ch = channel;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
