package io.vtdsim.emu.host;

import io.vtdsim.emu.platform.Attrs;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.vtd.FirstStageWalk;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * A nested iommufd hardware page table for a VT-d host (Linux drivers/iommu/intel/nested.c): the
 * guest's first-stage table (IOMMU_HWPT_DATA_VTD_S1: pgtbl_addr, addr_width, flags SRE/EAFE/WPE)
 * stacked on a nesting-parent stage 2 that the VMM owns — here a {@link HostContainer} mapping
 * guest-physical addresses to the VMM's view of them. The host IOMMU walks the guest's table itself,
 * every table pointer and the output address translated by the stage 2 (spec 3.8), and caches the
 * composed result in its IOTLB; nothing about new guest mappings reaches the host. Only invalidations
 * the guest sends and the VMM forwards (IOMMU_HWPT_INVALIDATE with IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
 * one {@code {addr, npages, flags}} request at a time as QEMU's vtd_flush_host_piotlb sends them) drop
 * cached entries — so a guest that skips a PASID-based invalidation leaves a stale translation in the
 * host, exactly as on hardware.
 *
 * <p>Faults are the first-stage reasons of the walk; a table or output address the stage 2 does not
 * map is reported as an unreadable first-stage entry (0x70), where hardware would report a
 * second-stage fault of the nested walk. Thread-safe (one lock).
 */
public final class NestedHwpt {
  public static final String BIND = "host.nested-bind";
  public static final String INVALIDATE = "host.nested-invalidate";

  /** IOMMU_VTD_S1_SRE, IOMMU_VTD_S1_EAFE, IOMMU_VTD_S1_WPE (include/uapi/linux/iommufd.h). */
  public static final int S1_SRE = 1;
  public static final int S1_EAFE = 1 << 1;
  public static final int S1_WPE = 1 << 2;
  /** IOMMU_VTD_INV_FLAGS_LEAF: only leaf entries changed (the guest's IH). */
  public static final int INV_FLAGS_LEAF = 1;
  /** npages meaning "everything" (with addr 0), as intel_nested_cache_invalidate_user accepts it. */
  public static final long ALL_PAGES = -1L;

  /** Outcome of one DMA access through the nested table: the final address or a fault. */
  public record Access(long address, boolean writable, FaultReason fault, boolean cached) {
    public boolean ok() {
      return fault == null;
    }
  }

  private record Leaf(long address, long size, boolean writable, boolean dirty) {}

  private final String name;
  private final HostContainer stage2;
  private final EventLog log;
  private final int iotlbCapacity;
  private final Map<Long, Leaf> iotlb = new HashMap<>();
  private final FirstStageWalk walk;
  private long pgtblAddr;
  private int levels;
  private boolean bound;

  /**
   * @param stage2 the nesting parent (IOMMU_HWPT_ALLOC_NEST_PARENT): guest-physical → VMM address
   * @param haw host address width of the guest-visible unit (reserved-bit checks of the guest's table)
   * @param oneGigPages the guest-visible CAP.FS1GP
   */
  public NestedHwpt(String name, HostContainer stage2, GuestMemory memory, EventLog log, int haw, boolean oneGigPages,
      int iotlbCapacity) {
    if (name == null || stage2 == null || memory == null || log == null) {
      throw new IllegalArgumentException("name, stage 2, memory and log are required");
    }
    if (iotlbCapacity < 1) throw new IllegalArgumentException("IOTLB capacity must be ≥ 1");
    this.name = name;
    this.stage2 = stage2;
    this.log = log;
    this.iotlbCapacity = iotlbCapacity;
    this.walk = new FirstStageWalk(new FirstStageWalk.TableMemory() {
      @Override
      public boolean read64(long address, long[] out) {
        Optional<Long> at = throughStage2(address, false);
        return at.isPresent() && memory.tryRead64(at.get(), out);
      }

      @Override
      public boolean write64(long address, long value) {
        Optional<Long> at = throughStage2(address, true);
        return at.isPresent() && memory.tryWrite64(at.get(), value);
      }
    }, haw, oneGigPages);
  }

  /**
   * IOMMU_HWPT_ALLOC with IOMMU_HWPT_DATA_VTD_S1, as QEMU builds it from the guest's PASID entry
   * (FSPTPTR, FSPM): the guest table at {@code pgtblAddr}, {@code addrWidth} 48 (4-level) or 57
   * (5-level). Supervisor requests are not modelled, so SRE/WPE/EAFE are accepted and recorded only.
   */
  public synchronized void bind(long pgtblAddr, int addrWidth, int flags) {
    if ((pgtblAddr & Page.OFFSET_MASK) != 0) throw new IllegalArgumentException("pgtbl_addr must be 4 KiB aligned");
    if (addrWidth != 48 && addrWidth != 57) throw new IllegalArgumentException("addr_width must be 48 or 57: " + addrWidth);
    if ((flags & ~(S1_SRE | S1_EAFE | S1_WPE)) != 0) throw new IllegalArgumentException("unknown S1 flags 0x" + Integer.toHexString(flags));
    this.pgtblAddr = pgtblAddr;
    this.levels = addrWidth == 48 ? 4 : 5;
    this.bound = true;
    iotlb.clear();
    log.emit(BIND, "host:" + name, String.format("nested bind %s pgtbl 0x%x addr_width %d flags 0x%x", name,
        pgtblAddr, addrWidth, flags), Attrs.of("hwpt", name, "pgtbl", pgtblAddr, "addrWidth", addrWidth, "flags", flags));
  }

  public synchronized boolean bound() {
    return bound;
  }

  /** The guest table is gone (its PASID entry was cleared): the device is blocked, the IOTLB emptied. */
  public synchronized void unbind() {
    bound = false;
    int dropped = iotlb.size();
    iotlb.clear();
    log.emit(BIND, "host:" + name, String.format("nested unbind %s (%d dropped)", name, dropped),
        Attrs.of("hwpt", name, "unbind", true, "dropped", dropped));
  }

  /** The guest table the HWPT is bound to (0 when unbound). */
  public synchronized long pgtblAddr() {
    return bound ? pgtblAddr : 0;
  }

  /**
   * A DMA access of the assigned device: the host IOTLB, else the nested walk (guest stage 1, every
   * table and the output through stage 2), cached on success. Unbound, every access is blocked (as a
   * not-present PASID entry, 0x59).
   */
  public synchronized Access access(long iova, boolean write) {
    if (!bound) return new Access(0, false, FaultReason.PASID_ENTRY_NOT_PRESENT, false);
    for (int level = 1; level <= 3; level++) {
      Leaf hit = iotlb.get(key(iova, level));
      if (hit == null) continue;
      if (write && !hit.writable()) return new Access(0, false, FaultReason.SCALABLE_WRITE_DENIED, true);
      if (write && !hit.dirty()) break; // walk again to set D (spec 3.6.3)
      return new Access(hit.address() | (iova & (hit.size() - 1)), hit.writable(), null, true);
    }
    FirstStageWalk.Result r = walk.walk(pgtblAddr, levels, iova, write);
    if (!r.ok()) return new Access(0, false, r.fault(), false);
    Optional<Long> out = throughStage2(r.address(), write);
    if (out.isEmpty()) {
      // stage 2 maps the output read-only: a write is denied; not at all: unreachable
      boolean readOnly = write && stage2.lookup(r.address()).isPresent();
      return new Access(0, false, readOnly ? FaultReason.SCALABLE_WRITE_DENIED : FaultReason.FIRST_STAGE_ENTRY_UNREADABLE,
          false);
    }
    int level = (Long.numberOfTrailingZeros(r.pageSize()) - Page.SHIFT) / 9 + 1;
    // cache what stage 2 gives for the whole stage-1 page only when stage 2 maps it contiguously
    long pageGpa = r.address() & ~(r.pageSize() - 1);
    Optional<HostMapping> m = stage2.lookup(pageGpa);
    if (m.isPresent() && m.get().contains(pageGpa + r.pageSize() - 1)) {
      if (iotlb.size() >= iotlbCapacity) iotlb.clear();
      iotlb.put(key(iova, level), new Leaf(m.get().gpa() + (pageGpa - m.get().iova()), r.pageSize(),
          r.writable() && m.get().write(), write));
    }
    return new Access(out.get(), r.writable(), null, false);
  }

  /**
   * One IOMMU_HWPT_INVALIDATE request (struct iommu_hwpt_vtd_s1_invalidate): drop cached entries
   * overlapping [addr, addr + npages × 4 KiB), or all with addr 0 and npages {@link #ALL_PAGES}.
   * Checks as intel_nested_cache_invalidate_user: unknown flags → EOPNOTSUPP, an unaligned addr or
   * {@code npages = ALL_PAGES} with addr ≠ 0 → EINVAL; a refused request changes nothing.
   */
  public synchronized HostResult invalidate(long addr, long npages, int flags) {
    HostResult result;
    int dropped = 0;
    if ((flags & ~INV_FLAGS_LEAF) != 0) {
      result = HostResult.error(HostResult.Errno.EOPNOTSUPP);
    } else if ((addr & Page.OFFSET_MASK) != 0 || (npages == ALL_PAGES && addr != 0) || npages == 0) {
      result = HostResult.error(HostResult.Errno.EINVAL);
    } else {
      long last = npages == ALL_PAGES || npages > (1L << 52) ? -1L : addr + npages * Page.SIZE - 1;
      for (Iterator<Map.Entry<Long, Leaf>> it = iotlb.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, Leaf> e = it.next();
        long first = pageOf(e.getKey());
        long end = first + e.getValue().size() - 1;
        if (Long.compareUnsigned(first, last) <= 0 && Long.compareUnsigned(addr, end) <= 0) {
          it.remove();
          dropped++;
        }
      }
      result = HostResult.success(npages == ALL_PAGES ? 0 : npages * Page.SIZE);
    }
    log.emit(INVALIDATE, "host:" + name, String.format("nested invalidate %s addr 0x%x npages %s flags 0x%x: %s (%d dropped)",
        name, addr, npages == ALL_PAGES ? "all" : Long.toString(npages), flags, result.label(), dropped),
        Attrs.of("hwpt", name, "addr", addr, "npages", npages, "flags", flags, "result", result.label(), "dropped", dropped));
    return result;
  }

  /** Cached composed translations (for tests and reports). */
  public synchronized int iotlbSize() {
    return iotlb.size();
  }

  private Optional<Long> throughStage2(long gpa, boolean write) {
    Optional<HostMapping> m = stage2.lookup(gpa);
    if (m.isEmpty() || (write ? !m.get().write() : !m.get().read())) return Optional.empty();
    return Optional.of(m.get().gpa() + (gpa - m.get().iova()));
  }

  /** Key: the page base at the level in bits 63:2, the level in bits 1:0. */
  private static long key(long iova, int level) {
    int shift = AddressWidth.levelShift(level);
    return ((iova >>> shift) << shift) | level;
  }

  private static long pageOf(long key) {
    return key & ~3L;
  }
}
