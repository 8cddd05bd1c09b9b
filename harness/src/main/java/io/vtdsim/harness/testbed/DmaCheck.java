package io.vtdsim.harness.testbed;

import io.vtdsim.emu.device.DmaDevice;
import io.vtdsim.emu.device.DmaResult;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;
import io.vtdsim.harness.machine.BufferedDmaDevice;
import io.vtdsim.harness.oracle.IntentModel;
import io.vtdsim.harness.oracle.MachineView;
import io.vtdsim.harness.oracle.MappedRange;
import io.vtdsim.harness.oracle.ReferenceWalker;
import io.vtdsim.harness.oracle.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One device DMA and its verdict: where the intent says its bytes go (identity while translation is
 * off or the device's context is pass-through), then a fault against the expectation is
 * unexpected-fault / unexpected-success; a write must land at the intended guest-physical bytes, a
 * read must return them (a pattern planted there first), else dma-mismatch. Each DMA gets its own
 * pattern.
 */
final class DmaCheck {
  /** One intended piece of a DMA: [iova, iova+length) → gpa. */
  record Piece(long iova, long gpa, long length) {}

  private final GuestMemory memory;
  private final IntentModel intent;
  private final MachineView view;
  private final ReferenceWalker walker;
  private long serial;

  /**
   * @param view the machine's TE and latched root pointer, read at each DMA
   * @param walker reads the device's context entry (pass-through or not)
   */
  DmaCheck(GuestMemory memory, IntentModel intent, MachineView view, ReferenceWalker walker) {
    this.memory = memory;
    this.intent = intent;
    this.view = view;
    this.walker = walker;
  }

  /**
   * {@code dev} (the device {@code device}) writes or reads {@code len} bytes at {@code iova}, checked
   * against the intended pieces; {@link #run} gives the verdict.
   */
  List<Violation> dma(DmaDevice dev, String device, long iova, boolean write, int len, boolean expectOk,
      boolean checkData) {
    return run(dev, device, iova, write, len, expectOk, intendedPieces(device, dev.sid(), iova, len), checkData);
  }

  /**
   * The intended guest-physical pieces of [iova, iova+len) for {@code device} (requester {@code sid}),
   * in IOVA order, as far as the intent maps it: identity when translation is off or pass-through.
   */
  List<Piece> intendedPieces(String device, SourceId sid, long iova, int len) {
    List<Piece> out = new ArrayList<>();
    if (identity(sid)) {
      out.add(new Piece(iova, iova, len));
      return out;
    }
    long x = iova;
    long end = iova + len;
    while (x < end) {
      Optional<MappedRange> m = intent.translate(device, x);
      if (m.isEmpty()) break;
      long n = Math.min(end, m.get().end()) - x;
      out.add(new Piece(x, m.get().gpa() + (x - m.get().iova()), n));
      x += n;
    }
    return out;
  }

  /** The device's DMA is untranslated: TE off, or its context entry is pass-through. */
  private boolean identity(SourceId sid) {
    if (!view.translationEnabled()) return true;
    return walker.context(view.rootTableAddress(), sid.sid()).kind() == ReferenceWalker.ContextKind.PASS_THROUGH;
  }

  /**
   * @param pieces where the scenario's intent says the bytes go, in IOVA order (may cover less than len)
   * @param checkData false when the device does not hand over what it read (then only a fault counts)
   * @return the violations, with step -1 (the runner attributes them)
   */
  List<Violation> run(DmaDevice dev, String device, long iova, boolean write, int len, boolean expectOk,
      List<Piece> pieces, boolean checkData) {
    if (len <= 0) throw new IllegalArgumentException("DMA length must be positive: " + len);
    List<Violation> out = new ArrayList<>();
    byte[] pattern = pattern(++serial, len);
    boolean fullyIntended = pieces.stream().mapToLong(Piece::length).sum() == len;
    if (!write && fullyIntended) plant(pieces, pattern);
    DmaResult r;
    boolean writeLanded = true; // false: a buffered write carried bytes the harness did not plant
    if (write && dev instanceof BufferedDmaDevice b) {
      // staged through the device's buffer: plant the pattern, let the device read it, overwrite it,
      // and only a write through the intended translation puts the pattern back
      if (fullyIntended) plant(pieces, pattern);
      BufferedDmaDevice.StagedWrite w = b.writeThroughBuffer(iova, len,
          fullyIntended ? () -> plant(pieces, complement(pattern)) : null);
      r = w.result();
      writeLanded = w.staged();
    } else {
      r = write ? dev.write(iova, pattern) : dev.read(iova, len);
    }
    String what = (write ? "write" : "read") + " of " + len + " B at iova 0x" + Long.toHexString(iova);
    if (!r.ok()) {
      if (expectOk) {
        out.add(new Violation(Violation.UNEXPECTED_FAULT, -1, "", device, iova, len,
            "expected the " + what + " to succeed; it faulted at 0x" + Long.toHexString(r.faultIova()) + ": " + r.detail()));
      }
      return out;
    }
    if (!expectOk) {
      out.add(new Violation(Violation.UNEXPECTED_SUCCESS, -1, "", device, iova, len,
          "expected the " + what + " to fault; it succeeded"));
      return out;
    }
    if (!fullyIntended) {
      out.add(new Violation(Violation.DMA_MISMATCH, -1, "", device, iova, len,
          "the " + what + " succeeded but the scenario mapped no target for all of it"));
      return out;
    }
    if (!write && !checkData) return out;
    if (write && !writeLanded) return out; // a write-only mapping: the staging read was refused
    if (write) {
      int off = 0;
      for (Piece p : pieces) {
        byte[] found = memory.read(p.gpa(), (int) p.length());
        for (int i = 0; i < found.length; i++) {
          if (found[i] != pattern[off + i]) {
            out.add(new Violation(Violation.DMA_MISMATCH, -1, "", device, p.iova() + i, p.length() - i, String.format(
                "expected the written pattern at gpa 0x%x (byte 0x%02x); guest memory has 0x%02x there",
                p.gpa() + i, pattern[off + i] & 0xFF, found[i] & 0xFF)));
            return out;
          }
        }
        off += (int) p.length();
      }
    } else {
      byte[] got = r.data();
      for (int i = 0; i < len; i++) {
        if (got == null || i >= got.length || got[i] != pattern[i]) {
          long gpa = gpaOf(pieces, i);
          out.add(new Violation(Violation.DMA_MISMATCH, -1, "", device, iova + i, len - i, String.format(
              "expected to read the pattern planted at gpa 0x%x (byte 0x%02x); the device read %s", gpa,
              pattern[i] & 0xFF, got == null || i >= got.length ? "nothing" : String.format("0x%02x", got[i] & 0xFF))));
          return out;
        }
      }
    }
    return out;
  }

  private void plant(List<Piece> pieces, byte[] bytes) {
    int off = 0;
    for (Piece p : pieces) {
      memory.write(p.gpa(), bytes, off, (int) p.length());
      off += (int) p.length();
    }
  }

  private static byte[] complement(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < out.length; i++) out[i] = (byte) ~bytes[i];
    return out;
  }

  private static long gpaOf(List<Piece> pieces, int offset) {
    long o = offset;
    for (Piece p : pieces) {
      if (o < p.length()) return p.gpa() + o;
      o -= p.length();
    }
    return -1;
  }

  /** A deterministic, per-DMA distinct byte pattern (xorshift over the DMA's serial number). */
  static byte[] pattern(long serial, int len) {
    byte[] b = new byte[len];
    long x = serial * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    for (int i = 0; i < len; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[i] = (byte) x;
    }
    return b;
  }
}
