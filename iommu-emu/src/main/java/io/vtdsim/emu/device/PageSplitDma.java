package io.vtdsim.emu.device;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.SourceId;

/**
 * The shared request logic: split into per-page pieces, translate each and check that its target is
 * guest RAM (stopping at the first piece that fails either), then move the bytes only if every piece
 * passed — a request never moves part of its data, unless {@link #movesPagesBeforeFault()} (an
 * emulated device of a QEMU-fidelity unit), when the pieces before the failing one move.
 */
abstract class PageSplitDma implements DmaDevice {
  static final long PAGE = GuestMemory.PAGE_SIZE;

  private final String name;
  private final SourceId sid;
  private final GuestMemory memory;
  private final EventLog log;

  PageSplitDma(String name, SourceId sid, GuestMemory memory, EventLog log) {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("device name is required");
    if (sid == null || memory == null || log == null) throw new IllegalArgumentException("sid, memory and log are required");
    this.name = name;
    this.sid = sid;
    this.memory = memory;
    this.log = log;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public SourceId sid() {
    return sid;
  }

  /** Translates one page-contained access: the guest-physical address, or a fault. */
  abstract Translation translate(long iova, boolean write);

  /**
   * Whether a request that faults part-way moves the pieces before the fault (as QEMU's
   * {@code dma_memory_rw}, which translates and copies page by page); false: all or nothing.
   */
  boolean movesPagesBeforeFault() {
    return false;
  }

  /** A translated address or a fault reason. */
  record Translation(long gpa, String fault) {
    static Translation of(long gpa) {
      return new Translation(gpa, null);
    }

    static Translation fault(String reason) {
      return new Translation(0, reason);
    }
  }

  @Override
  public final synchronized DmaResult write(long iova, byte[] data) {
    if (data == null) throw new IllegalArgumentException("data is required");
    Plan plan = translateAll(iova, data.length, true);
    if (plan.fault() != null && !movesPagesBeforeFault()) return plan.fault();
    long[] gpas = plan.gpas();
    int off = 0;
    for (int i = 0; i < plan.translated(); i++) {
      int n = pieceLength(iova, data.length, i);
      memory.tryWrite(gpas[i], data, off, n); // every piece was checked to be RAM
      off += n;
    }
    if (plan.fault() != null) return plan.fault(); // the bytes before the faulting page have moved
    ok("write", iova, data.length);
    return DmaResult.success(null);
  }

  @Override
  public final synchronized DmaResult read(long iova, int length) {
    if (length < 0) throw new IllegalArgumentException("negative DMA length: " + length);
    Plan plan = translateAll(iova, length, false);
    // a read that faults part-way returns nothing to the device, whatever was fetched before
    if (plan.fault() != null) return plan.fault();
    long[] gpas = plan.gpas();
    byte[] out = new byte[length];
    int off = 0;
    for (int i = 0; i < gpas.length; i++) {
      int n = pieceLength(iova, length, i);
      memory.tryRead(gpas[i], out, off, n); // every piece was checked to be RAM
      off += n;
    }
    ok("read", iova, length);
    return DmaResult.success(out);
  }

  /**
   * Per-page guest-physical addresses of the first {@code translated} pieces and, when a piece
   * failed (translation or not RAM; translation stops there), the fault.
   */
  private record Plan(long[] gpas, int translated, DmaResult fault) {}

  private Plan translateAll(long iova, int length, boolean write) {
    if (length == 0) return new Plan(new long[0], 0, null);
    long first = iova & -PAGE;
    long last = (iova + length - 1) & -PAGE;
    int pages = (int) ((last - first) / PAGE) + 1;
    long[] gpas = new long[pages];
    for (int i = 0; i < pages; i++) {
      long pieceIova = i == 0 ? iova : first + i * PAGE;
      Translation t = translate(pieceIova, write);
      if (t.fault() != null) {
        return new Plan(gpas, i, fault(write ? "write" : "read", pieceIova, t.fault()));
      }
      if (!memory.isRam(t.gpa(), pieceLength(iova, length, i))) {
        return new Plan(gpas, i, fault(write ? "write" : "read", pieceIova, "target not guest RAM"));
      }
      gpas[i] = t.gpa();
    }
    return new Plan(gpas, pages, null);
  }

  private static int pieceLength(long iova, int length, int index) {
    long first = iova & -PAGE;
    long pieceStart = index == 0 ? iova : first + index * PAGE;
    long pieceEnd = Math.min(first + (index + 1) * PAGE, iova + length);
    return (int) (pieceEnd - pieceStart);
  }

  private void ok(String op, long iova, int length) {
    if (log.building()) log.emit(name, new EventBody.DmaOk(name, op, iova, length));
    else log.intake().dmaOk();
  }

  private DmaResult fault(String op, long iova, String reason) {
    log.emit(name, new EventBody.DmaFault(name, op, iova, reason));
    return DmaResult.fault(iova, reason);
  }
}
