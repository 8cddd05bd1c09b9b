package io.vtdsim.driver.pagetable;

import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.AddressWidth;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.spec.SecondLevelPte;
import java.util.ArrayList;
import java.util.List;

/**
 * A domain's page table in guest memory — second level, or scalable mode's first stage (the entry
 * spelling is the table's {@link PteFormat}, the walk is shared) — built as Linux's intel-iommu does (facts:
 * pfn_to_dma_pte / dma_pte_clear_level in drivers/iommu/intel/iommu.c): non-leaf entries are address|R|W
 * (first stage: |U/S ...); leaves carry the permissions; 2 MiB / 1 GiB
 * superpages where supported and where IOVA, physical address and remaining length allow; a present leaf
 * is never overwritten ("DMA PTE already set"); unmapping puts fully covered table pages on a freelist
 * that the caller frees only after the IOTLB flush.
 */
public final class PageTable {
  private final GuestMemory memory;
  private final TablePagePool pool;
  private final int levels;
  private final int superpageLevels;
  private final long root;
  private final PteFormat format;
  // the format's bits, copied out for the map/unmap path
  private final long presentMask;
  private final long addressMask;
  private final long superpageBit;
  private final long tableBits;
  private final long leafBits;
  private final long readBits;
  private final long writeBits;

  /** Result of a map: lower tables removed to make room for superpages (free after a flush). */
  public record MapResult(List<Long> freelist, List<long[]> switchedRanges) {
    /** Nothing removed: what almost every map returns (shared, nothing allocated). */
    static final MapResult NONE = new MapResult(List.of(), List.of());
  }

  /**
   * Result of an unmap: the range Linux reports cleared (possibly enlarged to a superpage), the freelist,
   * and the base of a superpage that stays mapped although the range was enlarged to it (an unaligned
   * start inside it), or −1.
   */
  public record UnmapResult(long iova, long size, List<Long> freelist, long keptSuperpage) {}

  /**
   * @param levels 3, 4 or 5 (agaw + 2)
   * @param superpageLevels 0 none, 1 up to 2 MiB, 2 up to 1 GiB (Linux's iommu_superpage)
   */
  public PageTable(GuestMemory memory, TablePagePool pool, int levels, int superpageLevels) {
    this(memory, pool, levels, superpageLevels, PteFormat.SECOND_LEVEL);
  }

  /** A table whose entries are spelled in {@code format} (second level or first stage). */
  public PageTable(GuestMemory memory, TablePagePool pool, int levels, int superpageLevels, PteFormat format) {
    if (levels < 2 || levels > 5) throw new IllegalArgumentException("levels must be 2..5: " + levels);
    if (format == null) throw new IllegalArgumentException("PTE format is required");
    this.format = format;
    this.presentMask = format.presentMask();
    this.addressMask = format.addressMask();
    this.superpageBit = format.superpageBit();
    this.tableBits = format.tableBits();
    this.leafBits = format.leafBits();
    this.readBits = format.readBits();
    this.writeBits = format.writeBits();
    this.memory = memory;
    this.pool = pool;
    this.levels = levels;
    this.superpageLevels = Math.max(0, Math.min(superpageLevels, Math.min(2, levels - 1)));
    this.root = pool.allocate();
  }

  public long root() {
    return root;
  }

  public int levels() {
    return levels;
  }

  public PteFormat format() {
    return format;
  }

  /** 0 none, 1 up to 2 MiB, 2 up to 1 GiB. */
  public int superpageLevels() {
    return superpageLevels;
  }

  private boolean present(long pte) {
    return (pte & presentMask) != 0;
  }

  private boolean superpage(long pte) {
    return (pte & superpageBit) != 0;
  }

  private long addressOf(long pte) {
    return pte & addressMask;
  }

  /** Bytes of IOVA space the table covers. */
  public long aperture() {
    return 1L << AddressWidth.levelShift(levels + 1);
  }

  private long slot(long table, long iova, int level) {
    return table + (long) AddressWidth.levelIndex(iova, level) * SecondLevelPte.SIZE;
  }

  /** True when any leaf in [iova, iova+size) is present. */
  public boolean anyPresent(long iova, long size) {
    return anyPresent(root, levels, iova, iova + size - 1);
  }

  private boolean anyPresent(long table, int level, long first, long last) {
    long span = AddressWidth.levelSize(level);
    for (long a = first; a <= last && a >= first; a = (a & ~(span - 1)) + span) {
      long pte = memory.read64(slot(table, a, level));
      if (present(pte)) {
        if (level == 1 || superpage(pte)) return true;
        long end = Math.min(last, (a & ~(span - 1)) + span - 1);
        if (anyPresent(addressOf(pte), level - 1, a, end)) return true;
      }
    }
    return false;
  }

  /**
   * Maps [iova, iova+size) to [phys, phys+size). Throws IllegalStateException (Linux's "DMA PTE already
   * set" WARN) without changing anything if a leaf in the range is present.
   */
  public MapResult map(long iova, long phys, long size, boolean read, boolean write) {
    if (((iova | phys | size) & Page.OFFSET_MASK) != 0 || size <= 0) {
      throw new IllegalArgumentException(String.format(
          "map needs 4 KiB aligned iova/phys/size: iova 0x%x phys 0x%x size 0x%x", iova, phys, size));
    }
    if (iova < 0 || iova + size > aperture() || iova + size < iova) {
      throw new IllegalArgumentException(String.format(
          "IOVA range [0x%x, 0x%x) beyond the %d-level aperture", iova, iova + size, levels));
    }
    if (!read && !write) throw new IllegalArgumentException("a mapping needs read or write permission");
    if (anyPresent(iova, size)) {
      throw new IllegalStateException(String.format(
          "DMA PTE already set in [0x%x, 0x%x): Linux never overwrites a present leaf", iova, iova + size));
    }
    List<Long> freelist = null; // allocated when a superpage replaces a table (rare)
    List<long[]> switched = null;
    long pages = size >>> Page.SHIFT;
    long ipfn = iova >>> Page.SHIFT;
    long ppfn = phys >>> Page.SHIFT;
    while (pages > 0) {
      int level = largePageLevel(ipfn, ppfn, pages);
      long levelPages = 1L << (9 * (level - 1));
      long a = ipfn << Page.SHIFT;
      long table = tableFor(a, level);
      long s = slot(table, a, level);
      long old = memory.read64(s);
      if (present(old)) {
        // only an empty lower table can be here (anyPresent checked): remove it (switch_to_super_page)
        if (freelist == null) {
          freelist = new ArrayList<>();
          switched = new ArrayList<>();
        }
        collectTables(addressOf(old), level - 1, freelist);
        switched.add(new long[] {a, levelPages << Page.SHIFT});
      }
      long pte = (ppfn << Page.SHIFT) | leafBits | (read ? readBits : 0) | (write ? writeBits : 0)
          | (level > 1 ? superpageBit : 0);
      memory.write64(s, pte);
      ipfn += levelPages;
      ppfn += levelPages;
      pages -= levelPages;
    }
    return freelist == null ? MapResult.NONE : new MapResult(freelist, switched);
  }

  /** Linux's hardware_largepage_caps: the highest supported level both pfns are aligned to and that fits. */
  private int largePageLevel(long ipfn, long ppfn, long pages) {
    int level = 1;
    int support = superpageLevels;
    long merge = ipfn | ppfn;
    while (support > 0 && (merge & (SecondLevelPte.ENTRIES - 1)) == 0) {
      pages >>>= 9;
      if (pages == 0) break;
      merge >>>= 9;
      level++;
      support--;
    }
    return level;
  }

  /** Walks down to the table holding {@code target}-level entries for {@code iova}, allocating tables. */
  private long tableFor(long iova, int target) {
    long table = root;
    for (int level = levels; level > target; level--) {
      long s = slot(table, iova, level);
      long pte = memory.read64(s);
      if (!present(pte)) {
        long page = pool.allocate();
        memory.write64(s, page | tableBits);
        table = page;
      } else {
        table = addressOf(pte);
      }
    }
    return table;
  }

  private void collectTables(long table, int level, List<Long> freelist) {
    if (level > 1) {
      for (int i = 0; i < SecondLevelPte.ENTRIES; i++) {
        long pte = memory.read64(table + (long) i * SecondLevelPte.SIZE);
        if (present(pte) && !superpage(pte)) {
          collectTables(addressOf(pte), level - 1, freelist);
        }
      }
    }
    freelist.add(table);
  }

  /** Level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB) of the present leaf mapping {@code iova}, or 0. */
  public int leafLevel(long iova) {
    long table = root;
    for (int level = levels; level >= 1; level--) {
      long pte = memory.read64(slot(table, iova, level));
      if (!present(pte)) return 0;
      if (level == 1 || superpage(pte)) return level;
      table = addressOf(pte);
    }
    return 0;
  }

  /** The tables one unmap frees, collected here first (most unmaps free none). */
  private final List<Long> scratch = new ArrayList<>();

  /**
   * Clears [iova, iova+size) as Linux's intel_iommu_unmap: the size grows to the whole superpage when
   * the leaf at {@code iova} is larger; entries fully inside the range are cleared (their tables go to
   * the freelist, not zeroed); partially covered tables are recursed into.
   *
   * <p>A start inside a superpage but not at its base is a Linux bug reproduced here: the range becomes
   * [iova, iova + superpage size), which covers the superpage only in part, and dma_pte_clear_level
   * clears only entries it covers whole — it recurses into a partly covered one, taking the superpage's
   * target for a page table — so the superpage stays mapped while the size returned is the superpage's,
   * and the range's tail reaches into the next slot. (Linux also clears words of the target page that
   * look like present entries and frees what they point to; guest data is left alone here.)
   */
  public UnmapResult unmap(long iova, long size) {
    List<Long> freed = unmapFreeing(iova, size);
    return new UnmapResult(iova, lastUnmapSize, freed, lastKeptSuperpage);
  }

  /** The size and kept superpage of the last {@link #unmapFreeing} (what {@link #unmap} returns with it). */
  private long lastUnmapSize;
  private long lastKeptSuperpage;

  /** {@link #unmap}, returning only its freelist (an empty one is shared): the DMA API's unmap path. */
  public List<Long> unmapFreeing(long iova, long size) {
    if (((iova | size) & Page.OFFSET_MASK) != 0 || size <= 0) {
      throw new IllegalArgumentException(String.format("unmap needs 4 KiB aligned iova/size: 0x%x/0x%x", iova, size));
    }
    int level = leafLevel(iova);
    long kept = -1;
    if (level > 1 && size < AddressWidth.levelSize(level)) {
      size = AddressWidth.levelSize(level);
      if ((iova & (size - 1)) != 0) kept = iova & -size;
    }
    scratch.clear();
    clear(root, levels, iova, Math.min(iova + size, aperture()) - 1, scratch);
    lastUnmapSize = size;
    lastKeptSuperpage = kept;
    return scratch.isEmpty() ? List.of() : new ArrayList<>(scratch);
  }

  private void clear(long table, int level, long first, long last, List<Long> freelist) {
    long span = AddressWidth.levelSize(level);
    long a = first;
    while (a <= last && a >= first) {
      long slotStart = a & ~(span - 1);
      long slotEnd = slotStart + span - 1;
      long s = slot(table, a, level);
      long pte = memory.read64(s);
      if (present(pte)) {
        boolean leaf = level == 1 || superpage(pte);
        if (first <= slotStart && last >= slotEnd) {
          memory.write64(s, 0);
          if (!leaf) collectTables(addressOf(pte), level - 1, freelist);
        } else if (!leaf) {
          clear(addressOf(pte), level - 1, a, Math.min(last, slotEnd), freelist);
        }
      }
      if (slotEnd == Long.MAX_VALUE) break;
      a = slotEnd + 1;
    }
  }
}
