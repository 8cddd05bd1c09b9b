package io.vtdsim.emu.vtd;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.FirstStagePte;

/**
 * The first-stage walk of scalable mode (VT-d spec 3.6, 9.7): x86-64 paging structures from FSPTPTR,
 * 4-level (48-bit input) or 5-level (57-bit), with 2 MiB and 1 GiB leaves, for user-mode (PR=0)
 * read and write requests — what devices send without a PASID prefix and what QEMU's emulated devices
 * send ("no emulated device supports supervisor privilege request yet", vtd_iova_to_fspte).
 *
 * <p>Order, as QEMU's vtd_iova_to_fspte (hw/i386/intel_iommu.c):
 *
 * <ol>
 *   <li>The input must be canonical for the paging mode: bits 63:47 (4-level) or 63:56 (5-level) all
 *       equal (spec 3.6.1; QEMU's vtd_iova_fl_check_canonical) — else 0x80.
 *   <li>Per level, top down: an unreadable entry → 0x70; P=0 → 0x71; U/S=0 → 0x81 (a user-mode request
 *       needs U/S=1 at every level, spec 3.6.2); a write to an entry with R/W=0 at any level → 0x85;
 *       reserved bits ({@link FirstStagePte#reservedMask}) → 0x72. Reads need only P: the first stage
 *       has no read permission bit.
 *   <li>A (bit 5) is set in every entry the walk uses once it passed those checks, and D (bit 6) in the
 *       leaf of a write (spec 3.6.3, "Accessed, Extended Accessed, and Dirty Flags"); a failed write of
 *       either is 0x91. QEMU writes the flag with a plain read-modify-write (vtd_set_flag_in_pte), not
 *       the locked update the spec describes; so does this walk, under the unit's lock.
 * </ol>
 *
 * The walk has no paging-structure cache (QEMU has none either) and does not check the interrupt
 * window; the caller does, on the output address. Not thread-safe; the caller holds the unit's lock.
 */
public final class FirstStageWalk {
  /**
   * Outcome: on success {@code fault} is null and {@code address} is the output address of the
   * request's byte, {@code pageSize} the leaf's size, {@code writable} the AND of R/W over the levels;
   * {@code entries} counts the paging entries read.
   */
  public record Result(long address, long pageSize, boolean writable, FaultReason fault, int entries) {
    public boolean ok() {
      return fault == null;
    }
  }

  /**
   * Where the walk reads its entries and writes A/D: guest memory directly (first-stage only), or
   * through a second stage (nested translation, spec 3.8: the table pointers are guest-physical).
   * Both calls answer false when the address cannot be reached.
   */
  public interface TableMemory {
    boolean read64(long address, long[] out);

    boolean write64(long address, long value);
  }

  private final TableMemory memory;
  private final int haw;
  private final boolean oneGigPages;
  private final long[] buffer = new long[1];

  /**
   * @param haw host address width: address bits from it up to 51 are reserved in every entry
   * @param oneGigPages CAP.FS1GP: 1 GiB first-stage leaves; without it PS in a PDPE is reserved
   */
  public FirstStageWalk(GuestMemory memory, int haw, boolean oneGigPages) {
    this(direct(memory), haw, oneGigPages);
  }

  /** A walk whose table accesses go through {@code tables} (e.g. a nesting parent's second stage). */
  public FirstStageWalk(TableMemory tables, int haw, boolean oneGigPages) {
    if (tables == null) throw new IllegalArgumentException("table memory is required");
    if (haw < 32 || haw > 64) throw new IllegalArgumentException("host address width out of range: " + haw);
    this.memory = tables;
    this.haw = haw;
    this.oneGigPages = oneGigPages;
  }

  private static TableMemory direct(GuestMemory memory) {
    if (memory == null) throw new IllegalArgumentException("guest memory is required");
    return new TableMemory() {
      @Override
      public boolean read64(long address, long[] out) {
        return memory.tryRead64(address, out);
      }

      @Override
      public boolean write64(long address, long value) {
        return memory.tryWrite64(address, value);
      }
    };
  }

  /** Input-address width of a first-stage paging mode: 48 bits for 4 levels, 57 for 5. */
  public static int inputWidth(int levels) {
    return AddressWidth.levelShift(levels) + 9;
  }

  /** True when {@code address} is canonical for the paging mode: bits 63:(width−1) all equal. */
  public static boolean canonical(long address, int levels) {
    int width = inputWidth(levels);
    long top = address >> (width - 1); // arithmetic: all ones or all zeros when canonical
    return top == 0 || top == -1;
  }

  /**
   * Walks the tables at {@code fsptptr} for a user-mode request.
   *
   * @param levels 4 or 5 (the PASID entry's FSPM)
   * @param write true for a write request
   */
  public Result walk(long fsptptr, int levels, long iova, boolean write) {
    if (levels != 4 && levels != 5) throw new IllegalArgumentException("first-stage levels must be 4 or 5: " + levels);
    if (!canonical(iova, levels)) return fault(FaultReason.FIRST_STAGE_NON_CANONICAL, 0);
    long table = fsptptr;
    boolean writable = true;
    int entries = 0;
    // bounded by the level count: a loop between table pages ends at level 1
    for (int level = levels; level >= 1; level--) {
      long entryAddress = table + (long) FirstStagePte.SIZE * AddressWidth.levelIndex(iova, level);
      if (!memory.read64(entryAddress, buffer)) return fault(FaultReason.FIRST_STAGE_ENTRY_UNREADABLE, entries);
      long pte = buffer[0];
      entries++;
      if ((pte & FirstStagePte.P) == 0) return fault(FaultReason.FIRST_STAGE_NOT_PRESENT, entries);
      if ((pte & FirstStagePte.US) == 0) return fault(FaultReason.FIRST_STAGE_PRIVILEGE, entries);
      writable &= (pte & FirstStagePte.RW) != 0;
      if (write && (pte & FirstStagePte.RW) == 0) return fault(FaultReason.SCALABLE_WRITE_DENIED, entries);
      boolean leaf = FirstStagePte.leaf(pte, level);
      if ((pte & FirstStagePte.reservedMask(level, leaf, haw, oneGigPages)) != 0) {
        return fault(FaultReason.FIRST_STAGE_RESERVED, entries);
      }
      long flags = FirstStagePte.A | (leaf && write ? FirstStagePte.D : 0);
      if ((pte & flags) != flags && !memory.write64(entryAddress, pte | flags)) {
        return fault(FaultReason.FIRST_STAGE_FLAG_UPDATE_FAILED, entries);
      }
      if (leaf) {
        long size = AddressWidth.levelSize(level);
        long address = FirstStagePte.addressOf(pte, level, true) | (iova & (size - 1));
        return new Result(address, size, writable, null, entries);
      }
      table = FirstStagePte.addressOf(pte, level, false);
    }
    throw new IllegalStateException("unreachable: the walk ends at level 1");
  }

  private static Result fault(FaultReason reason, int entries) {
    return new Result(0, 0, false, reason, entries);
  }
}
