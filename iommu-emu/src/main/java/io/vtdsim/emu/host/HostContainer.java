package io.vtdsim.emu.host;

import io.vtdsim.emu.host.HostResult.Errno;
import io.vtdsim.emu.platform.EventBody;
import io.vtdsim.emu.platform.EventKind;
import io.vtdsim.emu.platform.EventLog;
import io.vtdsim.emu.platform.GuestMemory;
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
  public static final long PAGE_SIZE = 4096;

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
  private long errors;

  public HostContainer(String name, HostSemantics semantics, GuestMemory memory, EventLog log) {
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
   * empty, misaligned or wrapping range), EEXIST (overlaps any existing mapping).
   */
  public synchronized HostResult map(long iova, long size, long gpa, boolean read, boolean write) {
    HostResult r;
    if (size > 0 && !memory.isRam(gpa, size)) {
      r = HostResult.error(Errno.EFAULT);
    } else if (!(read || write) || !validRange(iova, size) || (gpa & (PAGE_SIZE - 1)) != 0) {
      r = HostResult.error(Errno.EINVAL);
    } else if (overlaps(iova, size)) {
      r = HostResult.error(Errno.EEXIST);
    } else {
      mappings.put(iova, size, gpa, (read ? READ : 0) | (write ? WRITE : 0));
      r = HostResult.success(size);
    }
    if (log.enabled()) log.emit(source, new EventBody.HostMap(name, iova, size, gpa, read, write, r.label()));
    if (!r.ok()) {
      error("map", r.errno(), iova, size, switch (r.errno()) {
        case EFAULT -> "target 0x" + Long.toHexString(gpa) + "+0x" + Long.toHexString(size) + " is not guest RAM";
        case EEXIST -> "overlaps an existing mapping";
        default -> "invalid arguments";
      });
    }
    return r;
  }

  /**
   * VFIO_IOMMU_UNMAP_DMA / IOMMU_IOAS_UNMAP of [iova, iova + size): removes every mapping inside the
   * range; holes are fine. EINVAL for a misaligned/empty range or when a mapping straddles either
   * end (type1 v2 never bisects a mapping; nothing is removed then). Covering nothing: success with
   * size 0 for vfio-type1, ENOENT for iommufd.
   */
  public synchronized HostResult unmap(long iova, long size) {
    HostResult r;
    if (!validRange(iova, size)) {
      r = HostResult.error(Errno.EINVAL);
    } else if (straddles(iova) || straddles(iova + size)) {
      r = HostResult.error(Errno.EINVAL);
    } else {
      long unmapped = mappings.removeStartingIn(iova, iova + size);
      r = unmapped == 0 && semantics == HostSemantics.IOMMUFD
          ? HostResult.error(Errno.ENOENT)
          : HostResult.success(unmapped);
    }
    if (log.enabled()) log.emit(source, new EventBody.HostUnmap(name, iova, size, r.label(), r.size()));
    if (!r.ok()) {
      error("unmap", r.errno(), iova, size, r.errno() == Errno.ENOENT
          ? "no mapping in range"
          : "misaligned range or it would bisect a mapping");
    }
    return r;
  }

  /** Every mapping, sorted by IOVA. */
  public synchronized List<HostMapping> mappings() {
    List<HostMapping> out = new ArrayList<>(mappings.size());
    mappings.forEach((iova, size, gpa, perm) -> out.add(toMapping(iova, size, gpa, perm)));
    return Collections.unmodifiableList(out);
  }

  /** The mappings that overlap [start, end), sorted by IOVA (cheap for a small range of a big container). */
  public synchronized List<HostMapping> mappingsIn(long start, long end) {
    List<HostMapping> out = new ArrayList<>();
    Range below = mappings.lower(start);
    if (below != null && start - below.start() < below.length()) out.add(toMapping(below));
    mappings.forEachStartingIn(start, end, (iova, size, gpa, perm) -> out.add(toMapping(iova, size, gpa, perm)));
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
    Range r = mappings.lower(boundary);
    return r != null && boundary - r.start() < r.length();
  }

  private static HostMapping toMapping(Range r) {
    return toMapping(r.start(), r.length(), r.target(), r.tag());
  }

  private static HostMapping toMapping(long iova, long size, long gpa, int perm) {
    return new HostMapping(iova, size, gpa, (perm & READ) != 0, (perm & WRITE) != 0);
  }

  @Override
  public String toString() {
    return "HostContainer[" + name + ", " + semantics + "]";
  }
}
