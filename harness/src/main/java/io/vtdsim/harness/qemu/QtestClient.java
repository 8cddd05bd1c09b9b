package io.vtdsim.harness.qemu;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The qtest protocol (QEMU system/qtest.c): one text command per line, answered by one line starting
 * with {@code OK} (or {@code FAIL}/{@code ERR}). Asynchronous {@code IRQ raise|intercept ...} lines
 * may come in between and are skipped. Memory and port accesses act as the guest CPU's would.
 *
 * <p>Every command waits at most the session's reply timeout; a QEMU that does not answer or closes
 * the socket ends the session ({@link QemuTimeoutException}, {@link QemuCrashedException}).
 * Thread-safe: one command at a time.
 */
public final class QtestClient {
  /** How a lost connection is reported: the session turns it into its crash or timeout exception. */
  interface Failures {
    RuntimeException timedOut(String command);

    RuntimeException lost(String command, IOException cause);
  }

  private static final HexFormat HEX = HexFormat.of();
  private final SocketChannel channel;
  private final Selector selector;
  private final long timeoutNanos;
  private final Failures failures;
  private final ByteBuffer in = ByteBuffer.allocate(1 << 16);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private RuntimeException broken;

  QtestClient(SocketChannel channel, Duration timeout, Failures failures) throws IOException {
    this.channel = channel;
    this.timeoutNanos = timeout.toNanos();
    this.failures = failures;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    channel.register(selector, SelectionKey.OP_READ);
    in.flip();
  }

  /**
   * Sends {@code command} and returns the text after {@code OK} (empty when none). A {@code FAIL} or
   * {@code ERR} reply is a {@link QemuException} (QEMU is still usable).
   */
  public synchronized String command(String command) {
    if (broken != null) throw broken;
    try {
      ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII));
      long deadline = System.nanoTime() + timeoutNanos;
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) await(deadline, SelectionKey.OP_WRITE, command);
      }
      while (true) {
        String reply = readLine(deadline, command);
        if (reply.startsWith("IRQ")) continue; // asynchronous interrupt notification (irq_intercept_*)
        if (reply.equals("OK")) return "";
        if (reply.startsWith("OK ")) return reply.substring(3).trim();
        throw new QemuException("qtest `" + command + "` answered `" + reply + "`");
      }
    } catch (IOException e) {
      broken = failures.lost(command, e);
      throw broken;
    } catch (QemuTimeoutException | QemuCrashedException e) {
      broken = e;
      throw e;
    }
  }

  // ---- memory (guest-physical, as the CPU sees it) ----

  public long readb(long addr) {
    return value(command(String.format("readb 0x%x", addr)));
  }

  public long readw(long addr) {
    return value(command(String.format("readw 0x%x", addr)));
  }

  public long readl(long addr) {
    return value(command(String.format("readl 0x%x", addr)));
  }

  public long readq(long addr) {
    return value(command(String.format("readq 0x%x", addr)));
  }

  public void writeb(long addr, long value) {
    command(String.format("writeb 0x%x 0x%x", addr, value & 0xFF));
  }

  public void writew(long addr, long value) {
    command(String.format("writew 0x%x 0x%x", addr, value & 0xFFFF));
  }

  public void writel(long addr, long value) {
    command(String.format("writel 0x%x 0x%x", addr, value & 0xFFFF_FFFFL));
  }

  public void writeq(long addr, long value) {
    command(String.format("writeq 0x%x 0x%x", addr, value));
  }

  public byte[] read(long addr, int len) {
    if (len <= 0) throw new IllegalArgumentException("read length " + len);
    String hex = command(String.format("read 0x%x 0x%x", addr, len));
    if (hex.startsWith("0x")) hex = hex.substring(2);
    if (hex.length() != 2 * len) throw new QemuException("qtest read of " + len + " bytes answered " + hex.length() / 2);
    return HEX.parseHex(hex);
  }

  public void write(long addr, byte[] data) {
    if (data.length == 0) return;
    command(String.format("write 0x%x 0x%x 0x%s", addr, data.length, HEX.formatHex(data)));
  }

  public void memset(long addr, long len, int value) {
    command(String.format("memset 0x%x 0x%x 0x%x", addr, len, value & 0xFF));
  }

  // ---- I/O ports ----

  public void outb(int port, long value) {
    command(String.format("outb 0x%x 0x%x", port, value & 0xFF));
  }

  public void outw(int port, long value) {
    command(String.format("outw 0x%x 0x%x", port, value & 0xFFFF));
  }

  public void outl(int port, long value) {
    command(String.format("outl 0x%x 0x%x", port, value & 0xFFFF_FFFFL));
  }

  public long inb(int port) {
    return value(command(String.format("inb 0x%x", port)));
  }

  public long inw(int port) {
    return value(command(String.format("inw 0x%x", port)));
  }

  public long inl(int port) {
    return value(command(String.format("inl 0x%x", port)));
  }

  // ---- virtual clock (-accel qtest: time moves only when told) ----

  /** Advances QEMU_CLOCK_VIRTUAL by {@code ns}; returns the new clock value in ns. */
  public long clockStep(long ns) {
    return Long.parseLong(command("clock_step " + ns).split("\\s+")[0]);
  }

  /** Advances the virtual clock to the next timer deadline; returns the new clock value in ns. */
  public long clockStep() {
    return Long.parseLong(command("clock_step").split("\\s+")[0]);
  }

  // ---- PCI configuration mechanism #1 (ports 0xcf8/0xcfc) ----

  public long pciConfigRead32(int bus, int device, int function, int reg) {
    outl(0xCF8, configAddress(bus, device, function, reg));
    return inl(0xCFC);
  }

  public void pciConfigWrite32(int bus, int device, int function, int reg, long value) {
    outl(0xCF8, configAddress(bus, device, function, reg));
    outl(0xCFC, value);
  }

  private static long configAddress(int bus, int device, int function, int reg) {
    return 0x8000_0000L | bus << 16 | device << 11 | function << 8 | (reg & 0xFC);
  }

  private static long value(String s) {
    return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
  }

  private String readLine(long deadline, String command) throws IOException {
    line.reset();
    while (true) {
      while (in.hasRemaining()) {
        byte b = in.get();
        if (b == '\n') return line.toString(StandardCharsets.US_ASCII).trim();
        line.write(b);
      }
      in.clear();
      int n = channel.read(in);
      in.flip();
      if (n < 0) throw new EOFException("qtest socket closed");
      if (n == 0) await(deadline, SelectionKey.OP_READ, command);
    }
  }

  private void await(long deadline, int op, String command) throws IOException {
    SelectionKey key = channel.keyFor(selector);
    key.interestOps(op);
    long left = deadline - System.nanoTime();
    if (left <= 0) throw failures.timedOut(command);
    selector.select(Math.max(1, left / 1_000_000)); // 0 ready keys: the caller retries until the deadline
    selector.selectedKeys().clear();
  }

  void close() {
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
