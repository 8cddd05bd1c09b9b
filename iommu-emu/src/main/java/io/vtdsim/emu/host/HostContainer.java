package io.vtdsim.emu.host;

import io.vtdsim.emu.host.HostResult.Errno;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
import io.vtdsim.emu.spec.Page;
import io.vtdsim.emu.util.RangeMap;
import io.vtdsim.emu.util.RangeMap.Range;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A host IOMMU container (a vfio container or an iommufd IOAS) of one assigned device or group:
 * IOVA → guest-physical mappings, changed only by {@link #map} and {@link #unmap}, which behave as
 * the kernel ioctls of the chosen {@link HostSemantics}. A refused call leaves the container exactly
 * as the kernel would (nothing changed), is recorded as a {@code host.error} event and counted, and
 * returns the errno — it never throws, as QEMU's vfio code only logs such failures
 * ({@code vfio_iommu_map_notify}).
 *
 * <p>The VMM step GPA → host virtual address happens before the MAP ioctl: a target outside guest RAM
 * is refused with EFAULT and nothing is mapped (QEMU: "iommu map to non memory area").
 *
 * <p>Storage is compact (a {@link RangeMap}: primitive arrays, about 25 bytes per mapping), so a million
 * 4 KiB mappings take about 25 MB; each mapping keeps its own boundaries, as the kernel's (an unmap
 * that would bisect one is refused). Thread-safe (one lock).
 */
public final class HostContainer {
  /** Host IOMMU page size: every IOVA, size and target must be aligned to it (vfio pgsize_bitmap). */
  public static final long PAGE_SIZE = Page.SIZE;

  /** vfio_iommu_type1's dma_entry_limit module parameter default (U16_MAX). */
  public static final long DEFAULT_DMA_ENTRY_LIMIT = 65535;

  /** The detail of iommufd's ENOENT for an unmap that covered no mapping. */
  public static final String NOTHING_IN_RANGE = "no mapping in range";

  public static final String MAP = EventKind.HOST_MAP.label();
  public static final String UNMAP = EventKind.HOST_UNMAP.label();
  public static final String ERROR = EventKind.HOST_ERROR.label();

  private static final int READ = 1;
  private static final int WRITE = 2;

  private final String name;
  private final HostSemantics semantics;
  private final GuestMemory memory;
  private final EventLog log;
  private final String source;
  /** iova → [iova, iova + size) → gpa, tag READ | WRITE; ranges never overlap. */
  private final RangeMap mappings = new RangeMap();
  private final long limit;
  private long pinnedPages;
  private long errors;

  /** A container without a mapping limit. */
  public HostContainer(String name, HostSemantics semantics, GuestMemory memory, EventLog log) {
    this(name, semantics, memory, log, Long.MAX_VALUE);
  }

  /**
   * @param limit vfio-type1: the DMA mappings the container may hold (dma_entry_limit, default
   *     {@value #DEFAULT_DMA_ENTRY_LIMIT}), beyond → ENOSPC; iommufd: the 4 KiB pages its mappings may
   *     pin (RLIMIT_MEMLOCK / 4 KiB; each mapping pins its own pages, as each IOMMU_IOAS_MAP has its own
   *     iopt_pages), beyond → ENOMEM
   */
  public HostContainer(String name, HostSemantics semantics, GuestMemory memory, EventLog log, long limit) {
    if (limit < 1) throw new IllegalArgumentException("the mapping limit must be at least 1: " + limit);
    this.limit = limit;
    if (name == null || name.isBlank()) throw new IllegalArgumentException("container name is required");
    if (semantics == null || memory == null || log == null) {
      throw new IllegalArgumentException("semantics, memory and log are required");
    }
    this.name = name;
    this.semantics = semantics;
    this.memory = memory;
    this.log = log;
    this.source = "host:" + name;
  }

  public String name() {
    return name;
  }

  public HostSemantics semantics() {
    return semantics;
  }

  /**
   * VFIO_IOMMU_MAP_DMA / IOMMU_IOAS_MAP of [iova, iova + size) → [gpa, gpa + size). Refusals, in the
   * order they are checked: EFAULT (target not guest RAM, the VMM's step), EINVAL (no permission,
   * empty, misaligned or wrapping range), EEXIST (overlaps any existing mapping), then the limit:
   * ENOSPC (vfio-type1, the container holds its limit of mappings) or ENOMEM (iommufd, the pages
   * would exceed the pinned-page limit).
   */
  public synchronized HostResult map(long iova, long gpa, long size, boolean read, boolean write) {
    HostResult r;
    if (size > 0 && !memory.isRam(gpa, size)) {
      r = HostResult.error(Errno.EFAULT);
    } else if (!(read || write) || !validRange(iova, size) || (gpa & (PAGE_SIZE - 1)) != 0) {
      r = HostResult.error(Errno.EINVAL);
    } else if (overlaps(iova, size)) {
      r = HostResult.error(Errno.EEXIST);
    } else if (semantics == HostSemantics.VFIO_TYPE1 && mappings.size() >= limit) {
      r = HostResult.error(Errno.ENOSPC);
    } else if (semantics == HostSemantics.IOMMUFD && size / PAGE_SIZE > limit - pinnedPages) {
      r = HostResult.error(Errno.ENOMEM);
    } else {
      mappings.put(iova, gpa, size, (read ? READ : 0) | (write ? WRITE : 0));
      pinnedPages += size / PAGE_SIZE;
      r = HostResult.success(size);
    }
    if (log.building()) log.emit(source, new EventBody.HostMap(name, iova, gpa, size, read, write, r.label()));
    else log.intake().hostMap(name, iova, size);
    if (!r.ok()) {
      error("map", r.errno(), iova, size, switch (r.errno()) {
        case EFAULT -> "target 0x" + Long.toHexString(gpa) + "+0x" + Long.toHexString(size) + " is not guest RAM";
        case EEXIST -> "overlaps an existing mapping";
        case ENOSPC -> "dma_entry_limit of " + limit + " mappings reached";
        case ENOMEM -> "pinned pages would exceed the locked-memory limit of " + limit + " pages";
        default -> "invalid arguments";
      });
    }
    return r;
  }

  /**
   * VFIO_IOMMU_UNMAP_DMA / IOMMU_IOAS_UNMAP of [iova, iova + size): removes every mapping inside the
   * range; holes are fine; EINVAL for a misaligned/empty range. A mapping straddling either end:
   * vfio-type1 (v2 never bisects) refuses with EINVAL and removes nothing; iommufd
   * (iopt_unmap_iova_range) removes the areas in IOVA order and stops with ENOENT at the one that
   * reaches outside, so the areas before it are gone and it and those after it stay. Covering nothing:
   * success with size 0 for vfio-type1, ENOENT for iommufd.
   */
  public synchronized HostResult unmap(long iova, long size) {
    HostResult r;
    String detail = null;
    if (!validRange(iova, size)) {
      r = HostResult.error(Errno.EINVAL);
      detail = "misaligned or empty range";
    } else if (semantics == HostSemantics.IOMMUFD) {
      // iopt_unmap_iova_range: areas in IOVA order; the first one reaching outside ends it with ENOENT
      long end = iova + size;
      Range last = mappings.lower(end);
      boolean cutsEnd = last != null && last.start() >= iova && end - last.start() < last.length();
      if (straddles(iova)) {
        r = HostResult.error(Errno.ENOENT);
        detail = "the first mapping in range starts below it";
      } else {
        long removed = remove(iova, cutsEnd ? last.start() : end);
        if (cutsEnd) {
          r = HostResult.error(Errno.ENOENT);
          detail = "a mapping reaches past the range end (the " + (removed / PAGE_SIZE) + " pages before it were unmapped)";
        } else if (removed == 0) {
          r = HostResult.error(Errno.ENOENT);
          detail = NOTHING_IN_RANGE;
        } else {
          r = HostResult.success(removed);
        }
      }
    } else if (straddles(iova) || straddles(iova + size)) {
      r = HostResult.error(Errno.EINVAL);
      detail = "it would bisect a mapping";
    } else {
      r = HostResult.success(remove(iova, iova + size));
    }
    if (log.building()) log.emit(source, new EventBody.HostUnmap(name, iova, size, r.label(), r.size()));
    else log.intake().hostUnmap(name, iova, size);
    if (!r.ok()) error("unmap", r.errno(), iova, size, detail);
    return r;
  }

  private long remove(long from, long to) {
    long removed = to > from ? mappings.removeStartingIn(from, to) : 0;
    pinnedPages -= removed / PAGE_SIZE;
    return removed;
  }

  /** Every mapping, sorted by IOVA. */
  public synchronized List<HostMapping> mappings() {
    List<HostMapping> out = new ArrayList<>(mappings.size());
    mappings.forEach((iova, gpa, size, perm) -> out.add(toMapping(iova, gpa, size, perm)));
    return Collections.unmodifiableList(out);
  }

  /** One mapping, as {@link #forEachMapping} hands it over. */
  @FunctionalInterface
  public interface MappingVisitor {
    void mapping(long iova, long gpa, long size, boolean read, boolean write);
  }

  /** Every mapping in IOVA order, as {@link #mappings} lists them, without building the list. */
  public synchronized void forEachMapping(MappingVisitor v) {
    mappings.forEach((iova, gpa, size, perm) -> v.mapping(iova, gpa, size, (perm & READ) != 0, (perm & WRITE) != 0));
  }

  /** The mappings that overlap [start, end), sorted by IOVA (cheap for a small range of a big container). */
  public synchronized List<HostMapping> mappingsIn(long start, long end) {
    List<HostMapping> out = new ArrayList<>();
    Range below = mappings.lower(start);
    if (below != null && start - below.start() < below.length()) out.add(toMapping(below));
    mappings.forEachStartingIn(start, end, (iova, gpa, size, perm) -> out.add(toMapping(iova, gpa, size, perm)));
    return Collections.unmodifiableList(out);
  }

  /** Number of mappings held. */
  public synchronized int mappingCount() {
    return mappings.size();
  }

  /** The mapping that contains {@code iova}, if any. */
  public synchronized Optional<HostMapping> lookup(long iova) {
    Range r = mappings.containing(iova);
    return r == null ? Optional.empty() : Optional.of(toMapping(r));
  }

  /** Refused calls so far. */
  public synchronized long errorCount() {
    return errors;
  }

  private void error(String op, Errno errno, long iova, long size, String detail) {
    errors++;
    log.emit(source, new EventBody.HostError(name, op, errno.name(), iova, size, detail));
  }

  private static boolean validRange(long iova, long size) {
    return size > 0 && iova >= 0 && ((iova | size) & (PAGE_SIZE - 1)) == 0 && iova + size > iova;
  }

  private boolean overlaps(long iova, long size) {
    return mappings.overlaps(iova, size);
  }

  /** True when a mapping starts before {@code boundary} and ends after it. */
  private boolean straddles(long boundary) {
    return mappings.straddles(boundary);
  }

  private static HostMapping toMapping(Range r) {
    return toMapping(r.start(), r.target(), r.length(), r.tag());
  }

  private static HostMapping toMapping(long iova, long gpa, long size, int perm) {
    return new HostMapping(iova, gpa, size, (perm & READ) != 0, (perm & WRITE) != 0);
  }

  @Override
  public String toString() {
    return "HostContainer[" + name + ", " + semantics + "]";
  }
}
