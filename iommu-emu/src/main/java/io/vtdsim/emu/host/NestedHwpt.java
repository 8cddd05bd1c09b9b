package io.vtdsim.emu.host;

import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.FaultReason;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.vtd.FirstStageWalk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
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
 * <p>What the device is attached to ({@link Attachment}): blocked (nothing reachable), the nesting
 * parent itself (guest-physical addresses as they are: QEMU attaches a device there while DMA
 * remapping is off or its PASID entry is pass-through, vtd_device_attach_iommufd), or this nested
 * table bound to a guest first-stage table.
 *
 * <p>Faults are the first-stage reasons of the walk; a table or output address the stage 2 does not
 * map is reported as an unreadable first-stage entry (0x70), where hardware would report a
 * second-stage fault of the nested walk. Thread-safe (one lock).
 */
public final class NestedHwpt {
  public static final String BIND = EventKind.NESTED_BIND.label();
  public static final String INVALIDATE = EventKind.NESTED_INVALIDATE.label();

  /** IOMMU_VTD_S1_SRE, IOMMU_VTD_S1_EAFE, IOMMU_VTD_S1_WPE (include/uapi/linux/iommufd.h). */
  public static final int S1_SRE = 1;
  public static final int S1_EAFE = 1 << 1;
  public static final int S1_WPE = 1 << 2;
  /** IOMMU_VTD_INV_FLAGS_LEAF: only leaf entries changed (the guest's IH). */
  public static final int INV_FLAGS_LEAF = 1;
  /** npages meaning "everything" (with addr 0), as intel_nested_cache_invalidate_user accepts it. */
  public static final long ALL_PAGES = -1L;

  /** Where the device's DMA goes. */
  public enum Attachment {
    /** Nothing: every access faults. */
    BLOCKED("blocked"),
    /** The nesting parent (stage 2) directly: guest-physical addresses. */
    PARENT("parent"),
    /** The guest's first-stage table on stage 2. */
    NESTED("nested");

    private final String label;

    Attachment(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** Outcome of one DMA access through the nested table: the final address or a fault. */
  public record Access(long address, boolean writable, FaultReason fault, boolean cached) {
    public boolean ok() {
      return fault == null;
    }
  }

  private record Leaf(long address, long size, boolean writable, boolean dirty) {}

  /**
   * One cached composed translation: the stage-1 page [iova, iova + size) → the stage-2 output
   * {@code address} (what a DMA hitting it reaches, whatever the guest's table says now).
   */
  public record CachedTranslation(long iova, long address, long size, boolean writable) {}

  private final String name;
  private final String source;
  private final HostContainer stage2;
  private final EventLog log;
  private final int iotlbCapacity;
  private final Map<Long, Leaf> iotlb = new HashMap<>();
  private final FirstStageWalk walk;
  private long pgtblAddr;
  private int levels;
  private Attachment attachment = Attachment.BLOCKED;

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
    this.source = "host:" + name;
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
    int dropped = iotlb.size();
    this.attachment = Attachment.NESTED;
    iotlb.clear();
    if (log.enabled()) {
      log.emit(source, new EventBody.NestedBind(name, Attachment.NESTED.label(), pgtblAddr, addrWidth, flags, dropped));
    }
  }

  /** Whether the HWPT is bound to a guest first-stage table (the device attached to it). */
  public synchronized boolean bound() {
    return attachment == Attachment.NESTED;
  }

  public synchronized Attachment attachment() {
    return attachment;
  }

  /** The guest table is gone (its PASID entry was cleared): the device is blocked, the IOTLB emptied. */
  public synchronized void unbind() {
    detach(Attachment.BLOCKED);
  }

  /** The device attached to the nesting parent itself (DMA remapping off, or a pass-through entry). */
  public synchronized void attachParent() {
    detach(Attachment.PARENT);
  }

  private void detach(Attachment to) {
    attachment = to;
    int dropped = iotlb.size();
    iotlb.clear();
    if (log.enabled()) log.emit(source, new EventBody.NestedBind(name, to.label(), 0, 0, 0, dropped));
  }

  /** The guest table the HWPT is bound to (0 when unbound). */
  public synchronized long pgtblAddr() {
    return bound() ? pgtblAddr : 0;
  }

  /** First-stage levels of the bound table (4 or 5; 0 when unbound). */
  public synchronized int levels() {
    return bound() ? levels : 0;
  }

  /**
   * A DMA access of the assigned device: the host IOTLB, else the nested walk (guest stage 1, every
   * table and the output through stage 2), cached on success. Unbound, every access is blocked (as a
   * not-present PASID entry, 0x59).
   */
  public synchronized Access access(long iova, boolean write) {
    if (attachment == Attachment.BLOCKED) return new Access(0, false, FaultReason.PASID_ENTRY_NOT_PRESENT, false);
    if (attachment == Attachment.PARENT) {
      Optional<Long> out = throughStage2(iova, write);
      if (out.isPresent()) return new Access(out.get(), stage2.lookup(iova).map(HostMapping::write).orElse(false), null, false);
      boolean readOnly = write && stage2.lookup(iova).isPresent();
      return new Access(0, false, readOnly ? FaultReason.WRITE_DENIED : FaultReason.READ_DENIED, false);
    }
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
    if (log.enabled()) log.emit(source, new EventBody.NestedInvalidate(name, addr, npages, flags, result.label(), dropped));
    return result;
  }

  /** Cached composed translations (for tests and reports). */
  public synchronized int iotlbSize() {
    return iotlb.size();
  }

  /** The cached composed translations, by IOVA (a copy: what the host IOTLB holds now). */
  public synchronized List<CachedTranslation> cachedTranslations() {
    List<CachedTranslation> out = new ArrayList<>(iotlb.size());
    for (Map.Entry<Long, Leaf> e : iotlb.entrySet()) {
      Leaf l = e.getValue();
      out.add(new CachedTranslation(pageOf(e.getKey()), l.address(), l.size(), l.writable()));
    }
    out.sort(Comparator.comparingLong(CachedTranslation::iova));
    return out;
  }

  public String name() {
    return name;
  }

  /** The nesting parent: the VMM's stage 2. */
  public HostContainer stage2() {
    return stage2;
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
