package io.vtdsim.emu.shadow;

import io.vtdsim.emu.host.HostContainer;
import io.vtdsim.emu.host.HostMapping;
import io.vtdsim.emu.host.HostSemantics;
import io.vtdsim.emu.platform.Clock;
import io.vtdsim.emu.platform.Event;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.platform.MsiSink;
import io.vtdsim.emu.spec.ContextCacheInvalidation;
import io.vtdsim.emu.spec.IotlbInvalidation;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.testing.TableBuilder;
import io.vtdsim.emu.vtd.VtdConfig;
import io.vtdsim.emu.vtd.VtdUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A machine for shadow tests: q35-like 4 GiB guest (RAM [0, 2 GiB) and [4 GiB, 6 GiB)), a qemu-7.2
 * unit at aw 48 (CM=1), one assigned device 00:03.0 with a vfio-type1 container, tables built with
 * TableBuilder, and the unit's observer callbacks driven directly (as the unit would after executing
 * the descriptor).
 */
final class ShadowFixture {
  static final SourceId DEV = new SourceId(0, 3, 0);
  static final int DID = 1;
  static final int AGAW_48 = 2;
  static final int LEVELS = 4;
  static final long PAGE = 4096;
  static final long TWO_MIB = 2L << 20;
  static final long GIB = 1L << 30;

  final GuestMemory memory = GuestMemory.q35(4 * GIB);
  final EventLog log = new EventLog(new Clock());
  final VtdUnit unit;
  final TableBuilder tables = new TableBuilder(memory, 0x10_0000);
  final HostContainer container;
  final CachingModeShadow shadow;
  long slptptr;
  private long mark;

  ShadowFixture(String strategy) {
    this(strategy, VtdConfig.qemu72(), HostSemantics.VFIO_TYPE1);
  }

  ShadowFixture(String strategy, VtdConfig config, HostSemantics semantics) {
    unit = new VtdUnit(config, memory, log, MsiSink.NONE);
    container = new HostContainer("nic", semantics, memory, log);
    shadow = new CachingModeShadow(unit, memory, log, ShadowSync.named(strategy));
  }

  /** Context for DEV (DID 1, 4-level), attach, SRTP, TE on — as a booting guest would. */
  ShadowFixture booted() {
    slptptr = tables.multiLevelContext(DEV.sid(), DID, AGAW_48);
    shadow.attach(DEV, container);
    shadow.rootTablePointerSet(tables.rootTable());
    shadow.translationEnableChanged(true);
    markNow();
    return this;
  }

  void map4k(long iova, long gpa) {
    tables.map(slptptr, LEVELS, iova, gpa, PAGE, true, true);
  }

  void psi(long addr, int am) {
    shadow.iotlbInvalidated(IotlbInvalidation.page(DID, addr, am, false, false, false));
  }

  void dsi(int did) {
    shadow.iotlbInvalidated(IotlbInvalidation.domain(did, false, false));
  }

  void contextDevice(int did) {
    shadow.contextCacheInvalidated(ContextCacheInvalidation.device(did, DEV.sid(), 0));
  }

  void markNow() {
    mark = log.lastSeq();
  }

  /** Host calls since the last mark, rendered as "map iova+size→gpa rw result" / "unmap iova+size result [unmapped n]". */
  List<String> hostCalls() {
    List<String> out = new ArrayList<>();
    for (Event e : log.eventsSince(mark)) {
      if (e.kind().equals(HostContainer.MAP)) {
        out.add("map " + hex(e.longAttr("iova")) + "+" + hex(e.longAttr("size")) + "→" + hex(e.longAttr("gpa"))
            + " " + perm(e) + " " + e.attrs().get("result"));
      } else if (e.kind().equals(HostContainer.UNMAP)) {
        long unmapped = e.longAttr("unmapped");
        out.add("unmap " + hex(e.longAttr("iova")) + "+" + hex(e.longAttr("size")) + " " + e.attrs().get("result")
            + (unmapped > 0 ? " unmapped " + hex(unmapped) : ""));
      }
    }
    return out;
  }

  List<Event> since(String kind) {
    List<Event> out = new ArrayList<>();
    for (Event e : log.eventsSince(mark)) {
      if (e.kind().equals(kind)) out.add(e);
    }
    return out;
  }

  List<HostMapping> host() {
    return container.mappings();
  }

  static HostMapping rw(long iova, long gpa, long size) {
    return new HostMapping(iova, gpa, size, true, true);
  }

  static String map(long iova, long gpa, long size, String result) {
    return "map " + hex(iova) + "+" + hex(size) + "→" + hex(gpa) + " rw " + result;
  }

  static String unmap(long iova, long size, String result) {
    return "unmap " + hex(iova) + "+" + hex(size) + " " + result;
  }

  static String unmapped(long iova, long size, long unmapped) {
    return "unmap " + hex(iova) + "+" + hex(size) + " ok unmapped " + hex(unmapped);
  }

  /**
   * The 28 aligned chunks of QEMU's vtd_address_space_unmap at aw 48, worked out by hand from
   * dma_aligned_pow2_mask: below the window [0, 0xFEE0_0000) and above it [0xFEF0_0000, 2^48).
   */
  static List<long[]> unmapAllChunks() {
    List<long[]> c = new ArrayList<>();
    c.add(new long[] {0x0L, 0x8000_0000L});
    c.add(new long[] {0x8000_0000L, 0x4000_0000L});
    c.add(new long[] {0xC000_0000L, 0x2000_0000L});
    c.add(new long[] {0xE000_0000L, 0x1000_0000L});
    c.add(new long[] {0xF000_0000L, 0x800_0000L});
    c.add(new long[] {0xF800_0000L, 0x400_0000L});
    c.add(new long[] {0xFC00_0000L, 0x200_0000L});
    c.add(new long[] {0xFE00_0000L, 0x80_0000L});
    c.add(new long[] {0xFE80_0000L, 0x40_0000L});
    c.add(new long[] {0xFEC0_0000L, 0x20_0000L});
    c.add(new long[] {0xFEF0_0000L, 0x10_0000L});
    c.add(new long[] {0xFF00_0000L, 0x100_0000L});
    for (int k = 32; k < 48; k++) c.add(new long[] {1L << k, 1L << k});
    return c;
  }

  /** Host calls of one unmap-all with vfio-type1: chunk {@code i} reports {@code unmapped[i]} (missing = 0). */
  static List<String> unmapAllCalls(long... unmappedPerChunk) {
    List<String> out = new ArrayList<>();
    List<long[]> chunks = unmapAllChunks();
    for (int i = 0; i < chunks.size(); i++) {
      long u = i < unmappedPerChunk.length ? unmappedPerChunk[i] : 0;
      out.add(u > 0 ? unmapped(chunks.get(i)[0], chunks.get(i)[1], u) : unmap(chunks.get(i)[0], chunks.get(i)[1], "ok"));
    }
    return out;
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  private static String perm(Event e) {
    boolean r = (Boolean) e.attrs().get("read");
    boolean w = (Boolean) e.attrs().get("write");
    return (r ? "r" : "") + (w ? "w" : "") + (r || w ? "" : "-");
  }
}
