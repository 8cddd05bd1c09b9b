package io.vtdsim.emu.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A PCI requester ID (bus:device.function), the VT-d source-id: bus 15:8, devfn 7:0. */
public record SourceId(int bus, int device, int function) {
  private static final Pattern BDF =
      Pattern.compile("(?:[0-9a-fA-F]{4}:)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

  public SourceId {
    if (bus < 0 || bus > 255) throw new IllegalArgumentException("bus out of range: " + bus);
    if (device < 0 || device > 31) throw new IllegalArgumentException("device out of range: " + device);
    if (function < 0 || function > 7) throw new IllegalArgumentException("function out of range: " + function);
  }

  public static SourceId of(int sid) {
    if (sid < 0 || sid > 0xFFFF) throw new IllegalArgumentException("source-id out of range: " + sid);
    return new SourceId(sid >>> 8, (sid >>> 3) & 0x1F, sid & 7);
  }

  /** Parses "bb:dd.f" (optionally with a "dddd:" segment prefix), hex as lspci prints it. */
  public static SourceId parse(String text) {
    Matcher m = BDF.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a PCI address (bb:dd.f): '" + text + "'");
    }
    return new SourceId(
        Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3)));
  }

  /** The bus (bits 15:8) of a 16-bit source-id: the root-table index (VT-d spec 3.4.2). */
  public static int bus(int sid) {
    return (sid >>> 8) & 0xFF;
  }

  /** The devfn (bits 7:0) of a 16-bit source-id: the context-table index (VT-d spec 3.4.2). */
  public static int devfn(int sid) {
    return sid & 0xFF;
  }

  public int devfn() {
    return (device << 3) | function;
  }

  /** The 16-bit source-id. */
  public int sid() {
    return (bus << 8) | devfn();
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** bb:dd.f in lower-case hex (as lspci), built without a Formatter: attach and detach name devices often. */
  @Override
  public String toString() {
    return new String(new char[] {HEX[bus >> 4], HEX[bus & 0xF], ':', HEX[device >> 4], HEX[device & 0xF], '.', HEX[function]});
  }
}
