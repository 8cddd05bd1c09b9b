package io.vtdsim.harness.oracle;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.ContextEntry;
import io.vtdsim.emu.spec.FirstStagePte;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.PasidDirectoryEntry;
import io.vtdsim.emu.spec.PasidGranularTranslationType;
import io.vtdsim.emu.spec.PasidTableEntry;
import io.vtdsim.emu.spec.RootEntry;
import io.vtdsim.emu.spec.RootTableAddress;
import io.vtdsim.emu.spec.ScalableContextEntry;
import io.vtdsim.emu.spec.ScalableRootEntry;
import io.vtdsim.emu.spec.SecondLevelPte;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.emu.spec.TranslationType;

/**
 * The oracle's own, deliberately small reading of the legacy-mode remapping structures (VT-d spec
 * 3.4.2 root/context lookup, 3.6 second-level translation, 9.1/9.3/9.8 formats). It shares only the
 * pure {@code spec} codecs with the emulator — never the Translator, the context lookup, the caches
 * or the shadow — so an emulator bug can not hide itself from the check.
 *
 * <p>Scalable mode (the view's RTADDR.TTM 01b; spec 3.4.3, 9.2, 9.4–9.7): root → scalable context →
 * PASID directory → PASID-table entry of PASID 0 (the RID_PASID without ECAP.RPS), and by PGTT a
 * second-stage table (SSPTPTR, AW — the legacy format), pass-through, or a first-stage table
 * (FSPTPTR, FSPM: x86-64 paging for user-mode requests: P and U/S needed at every level, R/W ANDed,
 * no read bit; the lower canonical half [0, 2^47) or [0, 2^56)).
 *
 * <p>It answers "what does the guest's table translate", as slot-aligned leaves: a present leaf at
 * level L covers its whole 4 KiB / 2 MiB / 1 GiB slot; R and W are ANDed down the levels (spec 3.6);
 * an entry with reserved bits set, or not readable, translates nothing (a DMA through it faults).
 *
 * <p>A misbehaving guest's tables can not make the oracle hang or run out of memory: a non-leaf
 * entry pointing at a table already on the current descent (a loop) is not followed, and one walk
 * reads at most {@link #entryBudget()} entries (512 per 4 KiB page of guest RAM — more than any tree
 * without shared tables holds) and collects at most {@link #leafBudget()} leaves (one per guest RAM
 * page). A walk that reaches a budget stops and says so ({@link #walk} returns the reason); what it
 * collected until then is incomplete.
 */
public final class ReferenceWalker {
  /** What the context entry of a source-id says. */
  public enum ContextKind {
    /** Root or context entry not present: every request faults. */
    ABSENT,
    /** Present with reserved bits, a reserved TT, an unsupported AW or an unreadable table: faults. */
    INVALID,
    /** TT = pass-through: identity. */
    PASS_THROUGH,
    /** TT = multi-level, or PGTT second-stage: through the second-level tables. */
    TRANSLATED,
    /** PGTT first-stage (scalable mode): through the guest's x86-64 paging tables. */
    FIRST_STAGE
  }

  /** The decoded context of one source-id. */
  public record Context(ContextKind kind, long slptptr, int levels, int did) {
    static final Context ABSENT = new Context(ContextKind.ABSENT, 0, 0, -1);
    static final Context INVALID = new Context(ContextKind.INVALID, 0, 0, -1);
  }

  private final GuestMemory mem;
  private final MachineView machine;
  private final long[] word = new long[1];
  private final long entryBudget;
  private final long leafBudget;
  /** Tables of the current descent, outermost first; {@code depth} of them are valid. */
  private final long[] descent = new long[8];
  private int depth;
  private long entriesRead;
  private long leavesFound;
  private String stopped;

  public ReferenceWalker(GuestMemory mem, MachineView machine) {
    this.mem = mem;
    this.machine = machine;
    long pages = 0;
    for (var region : mem.regions()) pages += (region.end() - region.base()) >>> Page.SHIFT;
    this.leafBudget = Math.max(1, pages);
    this.entryBudget = leafBudget * 512;
  }

  /** Most entries one walk reads: 512 per 4 KiB page of guest RAM. */
  public long entryBudget() {
    return entryBudget;
  }

  /** Most leaves one walk collects: one per 4 KiB page of guest RAM. */
  public long leafBudget() {
    return leafBudget;
  }

  /** Reads the root and context entry of {@code sid} under the root table {@code rootTable}. */
  public Context context(long rootTable, int sid) {
    if (machine.rootTableMode() == RootTableAddress.Mode.SCALABLE) return scalableContext(rootTable, sid);
    if (machine.rootTableMode() != RootTableAddress.Mode.LEGACY) return Context.INVALID; // every request faults
    int haw = machine.hostAddressWidth();
    long re = RootEntry.address(rootTable, SourceId.bus(sid));
    Long rlo = read(re);
    Long rhi = read(re + 8);
    if (rlo == null || rhi == null) return Context.INVALID;
    if (!RootEntry.present(rlo)) return Context.ABSENT;
    if (RootEntry.reservedBitsSet(rlo, rhi, haw)) return Context.INVALID;
    long ce = ContextEntry.address(RootEntry.decode(rlo).contextTablePointer(), SourceId.devfn(sid));
    Long lo = read(ce);
    Long hi = read(ce + 8);
    if (lo == null || hi == null) return Context.INVALID;
    if (!ContextEntry.present(lo)) return Context.ABSENT;
    if (ContextEntry.reservedBitsSet(lo, hi, haw)) return Context.INVALID;
    ContextEntry c = ContextEntry.decode(lo, hi);
    if (c.tt() == TranslationType.PASS_THROUGH) return new Context(ContextKind.PASS_THROUGH, 0, 0, c.did());
    if (c.tt() == TranslationType.RESERVED) return Context.INVALID;
    // 3..5 levels (AW 1..3); AW 0 (2-level, 30-bit) and above 3 are not supported by any preset
    if (c.aw() < 1 || c.aw() > 3 || AddressWidth.widthOfAgaw(c.aw()) > machine.guestAddressWidth()) {
      return Context.INVALID;
    }
    return new Context(ContextKind.TRANSLATED, c.slptptr(), c.levels(), c.did());
  }

  /**
   * Scalable mode: the PASID-table entry of PASID 0 under {@code sid}'s scalable context entry, by
   * PGTT. Nested and reserved PGTTs, a first-stage entry without a paging mode, and a second-stage AW
   * the unit does not report translate nothing.
   */
  public Context scalableContext(long rootTable, int sid) {
    int haw = machine.hostAddressWidth();
    int devfn = SourceId.devfn(sid);
    Long root = read(ScalableRootEntry.address(rootTable, SourceId.bus(sid)) + (ScalableRootEntry.upper(devfn) ? 8 : 0));
    if (root == null) return Context.INVALID;
    if (!ScalableRootEntry.present(root)) return Context.ABSENT;
    if (ScalableRootEntry.reservedBitsSet(root, haw)) return Context.INVALID;
    long ce = ScalableContextEntry.address(ScalableRootEntry.contextTable(root), devfn);
    long[] q = new long[4];
    for (int i = 0; i < 4; i++) {
      Long v = read(ce + 8L * i);
      if (v == null) return Context.INVALID;
      q[i] = v;
    }
    ScalableContextEntry c = ScalableContextEntry.decode(q[0], q[1]);
    if (!c.present()) return Context.ABSENT;
    if (ScalableContextEntry.reservedBitsSet(q[0], q[1], q[2], q[3], haw)) return Context.INVALID;
    Long de = read(PasidDirectoryEntry.address(c.pasidDirectory(), 0));
    if (de == null) return Context.INVALID;
    if (!PasidDirectoryEntry.present(de)) return Context.ABSENT;
    if (PasidDirectoryEntry.reservedBitsSet(de, haw)) return Context.INVALID;
    long pa = PasidTableEntry.address(PasidDirectoryEntry.decode(de).pasidTable(), 0);
    for (int i = 0; i < 3; i++) {
      Long v = read(pa + 8L * i);
      if (v == null) return Context.INVALID;
      q[i] = v;
    }
    PasidTableEntry pe = PasidTableEntry.decode(q[0], q[1], q[2]);
    if (!pe.present()) return Context.ABSENT;
    if (PasidTableEntry.reservedBitsSet(q[0], q[1], haw)) return Context.INVALID;
    PasidGranularTranslationType t = pe.pgtt();
    if (t == PasidGranularTranslationType.PASS_THROUGH) return new Context(ContextKind.PASS_THROUGH, 0, 0, pe.did());
    if (t == PasidGranularTranslationType.SECOND_STAGE) {
      if (pe.aw() < 1 || pe.aw() > 3 || AddressWidth.widthOfAgaw(pe.aw()) > machine.guestAddressWidth()) {
        return Context.INVALID;
      }
      return new Context(ContextKind.TRANSLATED, pe.ssptptr(), pe.secondStageLevels(), pe.did());
    }
    if (t == PasidGranularTranslationType.FIRST_STAGE && pe.firstStageLevels() != 0 && !pe.firstStagePointerBeyondHaw(haw)) {
      return new Context(ContextKind.FIRST_STAGE, pe.fsptptr(), pe.firstStageLevels(), pe.did());
    }
    return Context.INVALID;
  }

  /**
   * The top of the translatable IOVA space for a context: 2^min(AGAW, MGAW+1) (spec 3.6); for a
   * first-stage table the end of the lower canonical half, 2^47 or 2^56 (spec 3.6.1).
   */
  public long limit(Context c) {
    if (c.kind() == ContextKind.FIRST_STAGE) return 1L << (AddressWidth.levelShift(c.levels()) + 8);
    int bits = Math.min(Page.SHIFT + 9 * c.levels(), machine.guestAddressWidth());
    return bits >= 63 ? Long.MAX_VALUE : 1L << bits;
  }

  /**
   * Appends the leaves of the tables under {@code c} that overlap [start, end), in IOVA order.
   *
   * @return null when the walk was complete, otherwise why it stopped early (a budget)
   */
  String walk(Context c, long start, long end, Runs out) {
    long e = Math.min(end, limit(c));
    entriesRead = 0;
    leavesFound = 0;
    stopped = null;
    depth = 0;
    if (start >= e) return null;
    if (c.kind() == ContextKind.TRANSLATED) walkTable(c.slptptr(), c.levels(), 0, start, e, true, true, out);
    else if (c.kind() == ContextKind.FIRST_STAGE) walkTable(c.slptptr(), c.levels(), 0, start, e, true, true, out, true);
    return stopped;
  }

  /** Appends the leaves of the first-stage table at {@code table} ({@code levels} 4 or 5) in [start, end). */
  String walkFirstStage(long table, int levels, long start, long end, Runs out) {
    return walk(new Context(ContextKind.FIRST_STAGE, table, levels, -1), start, end, out);
  }

  /** Every leaf of {@code sid}'s tables, up to the budgets (for tests and reports). */
  public java.util.List<MappedRange> leaves(long rootTable, int sid) {
    Runs out = new Runs();
    Context c = context(rootTable, sid);
    walk(c, 0, limit(c), out);
    return out.toList();
  }

  private void walkTable(long table, int level, long base, long start, long end, boolean r, boolean w, Runs out) {
    walkTable(table, level, base, start, end, r, w, out, false);
  }

  private void walkTable(long table, int level, long base, long start, long end, boolean r, boolean w, Runs out,
      boolean firstStage) {
    int shift = AddressWidth.levelShift(level);
    long slot = 1L << shift;
    int first = (int) ((Math.max(start, base) - base) >>> shift);
    int lastIncl = (int) Math.min(511, (end - 1 - base) >>> shift);
    int haw = machine.hostAddressWidth();
    if (entriesRead + (lastIncl - first + 1) > entryBudget) {
      stopped = "guest-table walk aborted: it would read more than " + entryBudget
          + " entries (512 per guest RAM page) — tables reached through many entries";
      return;
    }
    entriesRead += lastIncl - first + 1;
    descent[depth++] = table;
    try {
      if (firstStage) readFirstStageEntries(table, level, base, first, lastIncl, start, end, w, haw, shift, slot, out);
      else readEntries(table, level, base, first, lastIncl, start, end, r, w, haw, shift, slot, out);
    } finally {
      depth--;
    }
  }

  private void readEntries(long table, int level, long base, int first, int lastIncl, long start, long end,
      boolean r, boolean w, int haw, int shift, long slot, Runs out) {
    for (int i = first; i <= lastIncl && stopped == null; i++) {
      long slotBase = base + ((long) i << shift);
      if (!mem.tryRead64(table + 8L * i, word)) continue; // outside RAM: nothing there
      long v = word[0];
      if (!SecondLevelPte.present(v)) continue;
      boolean sp = SecondLevelPte.isSuperpage(v);
      boolean leaf = level == 1 || (sp && level == 2 && machine.superpage2M()) || (sp && level == 3 && machine.superpage1G());
      if (sp && level > 1 && !leaf) continue; // PS where this level can not be a leaf: reserved (spec 9.8)
      if ((v & SecondLevelPte.reservedMask(level, leaf, haw, machine.snoopControl())) != 0) continue;
      boolean rr = r && (v & SecondLevelPte.R) != 0;
      boolean ww = w && (v & SecondLevelPte.W) != 0;
      long addr = SecondLevelPte.addressOf(v);
      if (leaf) {
        if (!rr && !ww) continue;
        if (leavesFound == leafBudget) {
          stopped = "guest-table walk aborted: more than " + leafBudget + " leaves (one per guest RAM page)";
          return;
        }
        leavesFound++;
        out.add(slotBase, slot, addr, Runs.perm(rr, ww));
      } else if (!inDescent(addr)) { // a loop back onto this descent is not followed
        walkTable(addr, level - 1, slotBase, start, end, rr, ww, out);
      }
    }
  }

  /** First-stage entries (spec 9.7): P and U/S at every level, R/W ANDed, every present leaf readable. */
  private void readFirstStageEntries(long table, int level, long base, int first, int lastIncl, long start, long end,
      boolean w, int haw, int shift, long slot, Runs out) {
    for (int i = first; i <= lastIncl && stopped == null; i++) {
      long slotBase = base + ((long) i << shift);
      if (!mem.tryRead64(table + 8L * i, word)) continue;
      long v = word[0];
      if (!FirstStagePte.present(v) || (v & FirstStagePte.US) == 0) continue; // a user-mode request faults
      boolean leaf = FirstStagePte.leaf(v, level);
      if ((v & FirstStagePte.reservedMask(level, leaf, haw, machine.firstStage1G())) != 0) continue;
      boolean ww = w && (v & FirstStagePte.RW) != 0;
      if (leaf) {
        if (leavesFound == leafBudget) {
          stopped = "guest-table walk aborted: more than " + leafBudget + " leaves (one per guest RAM page)";
          return;
        }
        leavesFound++;
        out.add(slotBase, slot, FirstStagePte.addressOf(v, level, true), Runs.perm(true, ww));
      } else {
        long next = FirstStagePte.addressOf(v, level, false);
        if (!inDescent(next)) walkTable(next, level - 1, slotBase, start, end, true, ww, out, true);
      }
    }
  }

  private boolean inDescent(long table) {
    for (int i = 0; i < depth; i++) {
      if (descent[i] == table) return true;
    }
    return false;
  }

  private Long read(long gpa) {
    return mem.tryRead64(gpa, word) ? word[0] : null;
  }
}
